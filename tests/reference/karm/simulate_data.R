# simulate_data.R -- synthetic 3-arm and 4-arm trials for the k-arm references.
# Run from this directory:  Rscript simulate_data.R > simulate_data.out 2>&1
# Writes data3.csv (3 arms: Placebo, Low Dose, High Dose; doses 0, 54, 81) and data4.csv
# (4 arms: Placebo, D1, D2, D3; doses 0, 10, 20, 40). Long: one row per subject x visit
# (W4, W8, W12, W16), outcome Y missing after monotone dropout (more in the high dose arm)
# and intermittently; subject-level baseline BASE, site SITE (S1-S3), dose DOSE.
simulate <- function(arms, dose, effect, n_per_arm, seed) {
  set.seed(seed)
  visits <- c("W4", "W8", "W12", "W16")
  t <- length(visits)
  sd <- c(4, 4.5, 5, 5.5)
  R <- 0.55^abs(outer(1:t, 1:t, "-"))
  S <- diag(sd) %*% R %*% diag(sd)
  C <- chol(S)
  n <- n_per_arm * length(arms)
  arm <- rep(arms, each = n_per_arm)
  id <- sprintf("S%03d", seq_len(n))
  base <- round(rnorm(n, 25, 4), 1)
  site <- sample(c("S1", "S2", "S3"), n, replace = TRUE)
  site_eff <- c(S1 = 0, S2 = 1.2, S3 = -0.8)[site]
  eff <- effect[match(arm, arms)]
  mu <- outer(rep(1, n), c(-1, -2, -3, -3.5)) + 0.4 * (base - 25) + site_eff +
    outer(eff, c(0.35, 0.6, 0.85, 1))
  y <- mu + matrix(rnorm(n * t), n, t) %*% C
  drop_p <- c(0.06, 0.08, 0.1)[match(arm, arms) %% 3 + 1]
  last <- rep(t, n)
  for (i in seq_len(n)) for (v in 1:t) if (runif(1) < drop_p[i]) { last[i] <- v - 1; break }
  for (i in seq_len(n)) if (last[i] < t) y[i, (last[i] + 1):t] <- NA
  y[matrix(runif(n * t) < 0.03, n, t)] <- NA   # intermittent missed visits
  y <- round(y, 2)
  data.frame(
    USUBJID = rep(id, each = t), ARM = rep(arm, each = t),
    DOSE = rep(dose[match(arm, arms)], each = t), VISIT = rep(visits, n),
    BASE = rep(base, each = t), SITE = rep(site, each = t), Y = as.vector(t(y))
  )
}
d3 <- simulate(c("Placebo", "Low Dose", "High Dose"), c(0, 54, 81), c(0, -1.5, -2.5), 60, 20261207)
d4 <- simulate(c("Placebo", "D1", "D2", "D3"), c(0, 10, 20, 40), c(0, -0.8, -1.6, -2.4), 45, 20261208)
write.csv(d3, "data3.csv", row.names = FALSE, na = "")
write.csv(d4, "data4.csv", row.names = FALSE, na = "")
for (d in list(d3, d4)) {
  print(table(d$ARM[!is.na(d$Y)], d$VISIT[!is.na(d$Y)]))
}
cat(R.version.string, "\n")
