# Simulates tests/reference/mmrm_trial2/data.csv: a seeded two-arm trial for MMRM/ANCOVA
# reference values.  Run from this directory:  Rscript simulate_data.R
# Design: 160 subjects, ARM Control/Active (80/80), SITE S1/S2/S3, continuous baseline BASE,
# 4 post-baseline visits W4 W8 W12 W16, outcome Y (unstructured residual covariance),
# MAR monotone dropout, intermittent missing middle visits, 2 subjects with no outcome.
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20261123)
n <- 160
visits <- c("W4", "W8", "W12", "W16")
id <- sprintf("P%03d", seq_len(n))
arm <- sample(rep(c("Control", "Active"), each = n / 2))
site <- sample(c("S1", "S2", "S3"), n, replace = TRUE, prob = c(0.40, 0.35, 0.25))
base <- round(rnorm(n, mean = 50, sd = 8), 1)
# residual covariance: SDs 6..9, correlations 0.30-0.70
sds <- c(6, 7, 8, 9)
R <- matrix(c(1.00, 0.70, 0.55, 0.40,
              0.70, 1.00, 0.65, 0.50,
              0.55, 0.65, 1.00, 0.60,
              0.40, 0.50, 0.60, 1.00), 4, 4)
Sigma <- diag(sds) %*% R %*% diag(sds)
stopifnot(min(eigen(Sigma, symmetric = TRUE)$values) > 0)
E <- matrix(rnorm(n * 4), n, 4) %*% chol(Sigma)
visit_eff <- c(-2, -3.5, -4.5, -5)            # Control change from intercept per visit
arm_eff <- c(-1, -2.5, -3.5, -4)               # Active - Control per visit
base_slope <- c(0.80, 0.75, 0.70, 0.65)        # baseline x visit interaction
site_eff <- c(S1 = 0, S2 = 1.5, S3 = -2)
mu <- outer(rep(1, n), visit_eff) +
  outer(arm == "Active", arm_eff) +
  outer(base - 50, base_slope) + 50 * outer(rep(1, n), base_slope) +
  site_eff[site]
Y <- round(mu + E, 2)
# MAR monotone dropout: after each visit, drop with probability depending on the last value
drop_at <- rep(5L, n)                         # first visit index that is missing (5 = none)
for (v in 1:3) {
  at_risk <- drop_at == 5L
  p <- plogis(-3.0 + 0.08 * (Y[, v] - mean(Y[, v])))
  drop_now <- at_risk & (runif(n) < p)
  drop_at[drop_now] <- v + 1L
}
for (i in seq_len(n)) if (drop_at[i] <= 4) Y[i, drop_at[i]:4] <- NA
# intermittent missing: 8 completers miss exactly one middle visit (W8 or W12)
completers <- which(drop_at == 5L)
inter <- sample(completers, 8)
Y[cbind(inter, sample(2:3, 8, replace = TRUE))] <- NA
# two subjects with every post-baseline outcome missing
none <- sample(setdiff(seq_len(n), inter), 2)
Y[none, ] <- NA
long <- data.frame(
  ID = rep(id, each = 4),
  ARM = rep(arm, each = 4),
  SITE = rep(site, each = 4),
  BASE = rep(base, each = 4),
  VISIT = rep(visits, times = n),
  VISITN = rep(1:4, times = n),
  Y = as.vector(t(Y))
)
write.csv(long, "data.csv", row.names = FALSE, na = "")
cat("subjects:", n, " rows:", nrow(long), " observed Y:", sum(!is.na(long$Y)), "\n")
cat("no post-baseline outcome:", paste(id[none], collapse = " "), "\n")
cat("intermittent (missing a middle visit, observed later):", paste(sort(id[inter]), collapse = " "), "\n")
cat("observed per visit:", colSums(!is.na(Y)), "\n")
cat("per arm x visit:\n"); print(table(long$ARM[!is.na(long$Y)], long$VISIT[!is.na(long$Y)]))
