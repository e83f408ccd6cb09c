# Newcombe (1998) hybrid score CI ("method 10") for a difference of proportions, coded here
# from the paper's formula (DescTools is not packaged for Debian), checked against the
# paper's Table II, then applied to the responder counts of simulated.csv (rule: AVAL - BASE
# <= -10, subjects with a missing REGION excluded as in make_reference.R's glm fits).
# Regenerate (from this directory): Rscript newcombe.R > newcombe.out 2>&1
suppressPackageStartupMessages(library(jsonlite))
cat("R:", R.version.string, "\n")
wilson <- function(x, n, z = qnorm(0.975)) {
  p <- x / n
  c((2 * x + z^2 - z * sqrt(z^2 + 4 * x * (1 - p))) / (2 * (n + z^2)),
    (2 * x + z^2 + z * sqrt(z^2 + 4 * x * (1 - p))) / (2 * (n + z^2)))
}
newcombe <- function(x1, n1, x2, n2) {
  p1 <- x1 / n1; p2 <- x2 / n2; w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
  d <- p1 - p2
  c(estimate = d, lower = d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
    upper = d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
# Newcombe (1998) Stat Med 17:873-890, Table II, method 10 (published to 4 decimals)
table2 <- data.frame(
  example = letters[1:8],
  x1 = c(56, 9, 6, 5, 0, 0, 10, 10), n1 = c(70, 10, 7, 56, 10, 10, 10, 10),
  x2 = c(48, 3, 2, 0, 0, 0, 0, 0), n2 = c(80, 10, 7, 29, 20, 10, 20, 10),
  published_lower = c(0.0524, 0.1705, 0.0582, -0.0381, -0.1611, -0.2775, 0.6791, 0.6075),
  published_upper = c(0.3339, 0.8090, 0.8062, 0.1926, 0.2775, 0.2775, 1.0000, 1.0000)
)
ci <- t(mapply(newcombe, table2$x1, table2$n1, table2$x2, table2$n2))
table2 <- cbind(table2, ci)
print(table2, digits = 8)
stopifnot(all(abs(round(table2$lower, 4) - table2$published_lower) < 1e-9),
          all(abs(round(table2$upper, 4) - table2$published_upper) < 1e-9))
cat("Table II method 10 reproduced to the 4 published decimals\n")

sim <- read.csv("simulated.csv", na.strings = "")
sim$RESP <- as.integer(sim$AVAL - sim$BASE <= -10)
used <- sim[!is.na(sim$RESP) & !is.na(sim$REGION), ]
rows <- list()
for (v in c("Week 4", "Week 8", "Week 12")) {
  d <- used[used$AVISIT == v, ]
  x <- tapply(d$RESP, factor(d$ARM, levels = c("Placebo", "Low", "High")), sum)
  n <- tapply(d$RESP, factor(d$ARM, levels = c("Placebo", "Low", "High")), length)
  for (a in c("Low", "High")) {
    r <- newcombe(x[[a]], n[[a]], x[["Placebo"]], n[["Placebo"]])
    rows[[length(rows) + 1]] <- list(visit = v, comparison = paste(a, "- Placebo"),
      x_treatment = x[[a]], n_treatment = n[[a]], x_control = x[["Placebo"]],
      n_control = n[["Placebo"]], estimate = r[["estimate"]], lower = r[["lower"]],
      upper = r[["upper"]])
  }
}
print(do.call(rbind, lapply(rows, as.data.frame)), digits = 10)
write_json(list(`_about` = list(made_by = "newcombe.R", date = as.character(Sys.Date()),
                                R = R.version.string),
                table2 = table2, simulated = rows),
           "newcombe_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
