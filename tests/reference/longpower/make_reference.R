# References for trialkit.power_mmrm from R longpower (built from its GitHub snapshot).
# Run from this directory:
#   R_LIBS=/work/rlib Rscript make_reference.R > make_reference.out 2>&1
# Writes longpower_reference.json (every case: inputs and longpower's solved values).
suppressMessages({library(longpower); library(nlme); library(jsonlite)})
cat("longpower", as.character(packageVersion("longpower")), " nlme",
    as.character(packageVersion("nlme")), " ", R.version.string, "\n")

cases <- list()
add <- function(name, fun, args, res, extra = list()) {
  mats <- lapply(args, function(a) if (is.matrix(a)) unname(lapply(seq_len(nrow(a)), function(i) a[i, ])) else a)
  cases[[length(cases) + 1]] <<- c(list(name = name, fun = fun, args = mats,
    n1 = res$n1, n2 = res$n2, delta = res$delta, power = res$power,
    sig.level = res$sig.level, phi1 = res$phi1, phi2 = res$phi2), extra)
}
run <- function(name, fun, args) {
  res <- do.call(fun, args)
  cat(sprintf("%-28s n1=%.10f n2=%.10f delta=%.10f power=%.10f\n", name, res$n1, res$n2,
              res$delta, res$power))
  add(name, fun, args, res)
}

# --- power.mmrm examples (longpower man page): CS 0.25, retention 1, .9, .8, .7 -------------
Ra <- matrix(0.25, nrow = 4, ncol = 4); diag(Ra) <- 1
ra <- c(1, 0.90, 0.80, 0.70)
for (lambda in c(1, 2)) {
  run(sprintf("mmrm_solve_n_l%g", lambda), "power.mmrm",
      list(Ra = Ra, ra = ra, sigmaa = 1, delta = 0.5, power = 0.80, lambda = lambda))
  run(sprintf("mmrm_solve_delta_l%g", lambda), "power.mmrm",
      list(N = 174, Ra = Ra, ra = ra, sigmaa = 1, power = 0.80, lambda = lambda))
  run(sprintf("mmrm_solve_power_l%g", lambda), "power.mmrm",
      list(N = 174, Ra = Ra, ra = ra, sigmaa = 1, delta = 0.5, lambda = lambda))
}
# unequal retention and correlation between arms, allocation 1.5, one-sided
Rb <- matrix(0.5, 4, 4); diag(Rb) <- 1
rb <- c(0.95, 0.85, 0.70, 0.55)
run("mmrm_unequal_solve_n", "power.mmrm",
    list(Ra = Ra, ra = ra, sigmaa = 2.5, Rb = Rb, rb = rb, lambda = 1.5, delta = 1.2, power = 0.9))
run("mmrm_unequal_solve_power", "power.mmrm",
    list(N = 150, Ra = Ra, ra = ra, sigmaa = 2.5, Rb = Rb, rb = rb, lambda = 1.5, delta = 1.2))
run("mmrm_unequal_solve_delta", "power.mmrm",
    list(N = 150, Ra = Ra, ra = ra, sigmaa = 2.5, Rb = Rb, rb = rb, lambda = 1.5, power = 0.9))
run("mmrm_one_sided_solve_n", "power.mmrm",
    list(Ra = Ra, ra = ra, sigmaa = 1, rb = rb, lambda = 0.5, delta = 0.4, power = 0.85,
         sig.level = 0.025, alternative = "one.sided"))
run("mmrm_one_sided_solve_power", "power.mmrm",
    list(N = 200, Ra = Ra, ra = ra, sigmaa = 1, rb = rb, lambda = 0.5, delta = 0.4,
         sig.level = 0.025, alternative = "one.sided"))

# --- power.mmrm.ar1 -------------------------------------------------------------------------
# Table 2 of Lu, Luo & Chen (2008) as longpower's example reproduces it (phi1 values)
tab <- c()
for (J in c(2, 4)) for (aJ in (1:4) / 10) for (p1J in c(0, c(1, 3, 5, 7, 9) / 10)) {
  r <- seq(1, 1 - aJ, length = J)
  res <- power.mmrm.ar1(rho = p1J^(1 / (J - 1)), ra = r, sigmaa = 1, lambda = 1, times = 1:J,
                        delta = 1, sig.level = 0.05, power = 0.80)
  tab <- c(tab, res$phi1)
  add(sprintf("table2_J%d_a%g_p%g", J, aJ, p1J), "power.mmrm.ar1",
      list(rho = p1J^(1 / (J - 1)), ra = r, sigmaa = 1, lambda = 1, times = 1:J, delta = 1,
           sig.level = 0.05, power = 0.80), res)
}
print(matrix(tab, ncol = 6, byrow = TRUE))
# Table 5 examples (unequal retention, allocation != 1)
ra5 <- c(100, 76, 63, 52) / 100
rb5 <- c(100, 87, 81, 78) / 100
for (lam in c(sqrt(1.25 / 1.75), 1.25 / 1.75, 1, 2)) {
  run(sprintf("ar1_table5_solve_n_l%.4f", lam), "power.mmrm.ar1",
      list(rho = 0.6, ra = ra5, sigmaa = 1, rb = rb5, lambda = lam, power = 0.904, delta = 0.9))
}
run("ar1_table5_solve_power", "power.mmrm.ar1",
    list(N = 87, rho = 0.6, ra = ra5, sigmaa = 1, rb = rb5, lambda = 1.25 / 1.75, delta = 0.9))
run("ar1_table5_solve_delta", "power.mmrm.ar1",
    list(N = 80, rho = 0.6, ra = ra5, sigmaa = 1, rb = rb5, lambda = 1, power = 0.903))
run("ar1_times_solve_n", "power.mmrm.ar1",
    list(rho = 0.6, ra = c(1, .9, .8, .7), sigmaa = 1, times = c(0, 2, 4, 8), delta = 0.5,
         power = 0.8))

# --- Table 1 of Lu, Luo & Chen (2008), exactly as longpower's example computes it ----------
phi1 <- c(rep(1, 6), 2, 2)
phi2 <- c(1, 1, rep(2, 6))
lambda <- c(1, 2, sqrt(1/2), 1/2, 1, 2, 1, 2)
ztest <- ttest1 <- tfixed <- c()
for (i in 1:8) {
  Na <- (phi1[i] + lambda[i] * phi2[i]) * (qnorm(0.05/2) + qnorm(1 - 0.90))^2 * (0.5^-2)
  Nb <- Na / lambda[i]
  ztest <- c(ztest, Na + Nb)
  v <- Na + Nb - 2
  Na <- (phi1[i] + lambda[i] * phi2[i]) * (qt(0.05/2, df = v) + qt(1 - 0.90, df = v))^2 * (0.5^-2)
  Nb <- Na / lambda[i]
  ttest1 <- c(ttest1, Na + Nb)
  # the t-test variant solved exactly: N = (1 + 1/lambda) Na(N), df = N - 2
  f <- function(N) (1 + 1 / lambda[i]) * (phi1[i] + lambda[i] * phi2[i]) *
    (qt(0.05/2, df = N - 2) + qt(1 - 0.90, df = N - 2))^2 * (0.5^-2) - N
  tfixed <- c(tfixed, uniroot(f, c(3, 1e4), tol = 1e-14)$root)
}
table1 <- data.frame(phi1, phi2, lambda, ztest, ttest1, tfixed)
print(table1, digits = 12)

# --- parameters from an nlme::gls fit of fev_data (longpower's gls example style) ---------
d <- read.csv("../fev/fev_data.csv")
d$AVISIT <- factor(d$AVISIT); d$vn <- as.integer(d$AVISIT)
d$ARMCD <- factor(d$ARMCD, levels = c("PBO", "TRT"))
dd <- d[!is.na(d$FEV1), ]
ctl <- glsControl(opt = "nlminb", maxIter = 500, msMaxIter = 500, tolerance = 1e-12, msTol = 1e-12)
fit <- gls(FEV1 ~ ARMCD * AVISIT + RACE + FEV1_BL, dd,
           correlation = corSymm(form = ~ vn | USUBJID),
           weights = varIdent(form = ~ 1 | AVISIT), control = ctl, method = "REML")
cms <- corMatrix(fit$modelStruct$corStruct)  # one matrix per subject: take a complete one
C <- cms[[which(sapply(cms, nrow) == 4)[1]]]
sds <- fit$sigma * coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)[levels(d$AVISIT)]
sigmaa <- unname(sds[4])
# observed retention: subjects whose last observed FEV1 is at visit v or later, over all
# randomised subjects of the arm (subjects with no FEV1 at all count as dropped at visit 1)
last <- tapply(d$vn * !is.na(d$FEV1), d$USUBJID, max)
armof <- tapply(as.character(d$ARMCD), d$USUBJID, function(x) x[1])
ret <- function(a) sapply(1:4, function(v) mean(last[armof == a] >= v))
ra_f <- ret("TRT"); rb_f <- ret("PBO")
cat("gls logLik", format(logLik(fit), digits = 15), "sigma at VIS4", format(sigmaa, digits = 15), "\n")
print(C, digits = 12); print(rbind(TRT = ra_f, PBO = rb_f), digits = 12)
for (nm in c("fev_fit_solve_n", "fev_fit_solve_delta", "fev_fit_solve_power")) {
  args <- list(Ra = C, ra = ra_f, sigmaa = sigmaa, rb = rb_f)
  if (nm == "fev_fit_solve_n") args <- c(args, list(delta = 3, power = 0.9))
  if (nm == "fev_fit_solve_delta") args <- c(args, list(N = 200, power = 0.9))
  if (nm == "fev_fit_solve_power") args <- c(args, list(N = 200, delta = 3))
  run(nm, "power.mmrm", args)
}
out <- list(
  `_about` = list(source = "R longpower power.mmrm / power.mmrm.ar1 (GitHub snapshot)",
                  longpower = as.character(packageVersion("longpower")),
                  nlme = as.character(packageVersion("nlme")), R = R.version.string),
  cases = cases,
  table1 = table1,
  fev_fit = list(correlation = unname(lapply(1:4, function(i) C[i, ])), sd_final = sigmaa,
                 sd = unname(sds), retention_trt = ra_f, retention_pbo = rb_f,
                 loglik = as.numeric(logLik(fit))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "longpower_reference.json")
cat("wrote longpower_reference.json with", length(cases), "cases\n")
