# Rubin's rules with Barnard-Rubin df from mice::pool.scalar, on seeded estimate/variance sets,
# for trialkit.imputation.pooling. Run: cd tests/reference/rubin && Rscript rubin_mice.R > rubin_mice.out 2>&1
suppressMessages({library(mice); library(jsonlite)})
set.seed(42)
cases <- list()
specs <- list(c(m = 5, n = 60, k = 3), c(m = 20, n = 200, k = 3), c(m = 100, n = 30, k = 4), c(m = 3, n = 1000, k = 2))
for (s in specs) {
  Q <- rnorm(s[["m"]], 2, 0.4)
  U <- rgamma(s[["m"]], shape = 20, rate = 100)
  p <- pool.scalar(Q, U, n = s[["n"]], k = s[["k"]])
  cases[[length(cases) + 1]] <- list(est = Q, var = U, dfcom = s[["n"]] - s[["k"]],
    qbar = p$qbar, ubar = p$ubar, b = p$b, t = p$t, df = p$df, r = p$r, fmi = p$fmi)
}
# infinite complete-data df (large-sample rule of Rubin 1987)
Q <- rnorm(10, 1, 0.3); U <- rep(0.05, 10)
p <- pool.scalar(Q, U, n = Inf, k = 1)
cases[[length(cases) + 1]] <- list(est = Q, var = U, dfcom = "Inf", qbar = p$qbar, ubar = p$ubar, b = p$b, t = p$t, df = p$df)
print(str(cases))
writeLines(toJSON(list(`_about` = list(mice = as.character(packageVersion("mice")), R = R.version.string,
  made = format(Sys.time(), tz = "UTC")), cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE), "rubin_mice.json")
