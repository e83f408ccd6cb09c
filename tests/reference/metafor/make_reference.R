# Reference values for trialkit.meta, computed with R metafor.
#
# Run from this directory:  Rscript make_reference.R
# Writes: data/*.csv (the study-level inputs the tests feed to trialkit) and
#         metafor_reference.json (every quantity trialkit.meta is checked against).
#
# Iterative estimators (REML, PM) and the Q-profile root finding are run to a tight
# convergence tolerance (threshold/tol 1e-12) so that the reference is the converged
# solution, not metafor's default stopping point.
suppressMessages({
  library(metafor)
  library(jsonlite)
})

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
dir.create("data", showWarnings = FALSE)

# ---------------------------------------------------------------- datasets
normand <- dat.normand1999
normand <- data.frame(study = paste0(normand$study, " ", normand$source),
                      n1 = normand$n1i, m1 = normand$m1i, sd1 = normand$sd1i,
                      n2 = normand$n2i, m2 = normand$m2i, sd2 = normand$sd2i)
gibson <- dat.gibson2002[!is.na(dat.gibson2002$m1i), ]
gibson <- data.frame(study = paste(gibson$author, gibson$year),
                     n1 = gibson$n1i, m1 = gibson$m1i, sd1 = gibson$sd1i,
                     n2 = gibson$n2i, m2 = gibson$m2i, sd2 = gibson$sd2i)
bd <- dat.bangertdrowns2004
bangert <- data.frame(study = paste(bd$id, bd$author, bd$year), yi = bd$yi, se = sqrt(bd$vi),
                      grade = paste("grade", bd$grade))
# Morris (2008), treatment groups, as in the metafor analysis example 'morris2008'.
morris <- data.frame(study = paste("Study", 1:5),
                     n = c(20, 50, 9, 10, 14),
                     m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6),
                     sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7),
                     m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                     sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                     r = c(.47, .64, .77, .89, .44))

# write.csv keeps 15 significant digits, enough for the 1e-6 relative tolerances.
wcsv <- function(d, f) write.csv(d, file.path("data", f), row.names = FALSE)
wcsv(normand, "normand1999.csv")
wcsv(gibson, "gibson2002.csv")
wcsv(bangert, "bangertdrowns2004.csv")
wcsv(morris, "morris2008.csv")

# ---------------------------------------------------------------- effects
eff_two <- function(d, measure) {
  escalc(measure, m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = d)
}
# RevMan 5 SMD coded independently from Deeks JJ, Higgins JPT. Statistical algorithms in
# Review Manager 5 (2010), section "Standardized mean difference":
#   g = (m1 - m2) / s * (1 - 3 / (4N - 9)),  SE(g) = sqrt(N / (n1 n2) + g^2 / (2 (N - 3.94)))
eff_revman5 <- function(d) {
  N <- d$n1 + d$n2
  s <- sqrt(((d$n1 - 1) * d$sd1^2 + (d$n2 - 1) * d$sd2^2) / (N - 2))
  g <- (d$m1 - d$m2) / s * (1 - 3 / (4 * N - 9))
  data.frame(yi = g, vi = N / (d$n1 * d$n2) + g^2 / (2 * (N - 3.94)))
}
eff_prepost <- function(d, measure) {
  escalc(measure, m1i = m_post, m2i = m_pre, sd1i = sd_pre, sd2i = sd_post, ni = n, ri = r,
         data = d)
}

# ---------------------------------------------------------------- one fit, everything
fit_all <- function(yi, vi, slab, method, hksj) {
  test <- if (hksj) "knha" else "z"
  res <- suppressWarnings(rma(yi, vi, method = method, test = test, control = ctrl, slab = slab))
  pr <- predict(res)
  out <- list(method = method, hksj = hksj, k = res$k,
              estimate = as.numeric(res$beta), std_error = res$se, statistic = res$zval,
              df = if (hksj) res$ddf[[1]] else NA, p_value = res$pval,
              ci_lower = res$ci.lb, ci_upper = res$ci.ub, tau2 = res$tau2,
              q = res$QE, q_df = res$k - 1, q_p_value = res$QEp, i2 = res$I2, h2 = res$H2,
              pi_lower = pr$pi.lb, pi_upper = pr$pi.ub,
              weight = as.numeric(weights(res)))
  if (method != "FE") {
    # metafor searches for the Q-profile bounds below tau2.max = max(100, 10 * tau2) by
    # default and reports that limit when the root lies beyond it; widen the search range
    # so that the reference is the actual root.
    ci <- confint(res, control = list(tol = 1e-12, maxiter = 10000,
                                      tau2.max = max(1e6, 1000 * res$tau2)))
    out$tau2_ci <- as.numeric(ci$random["tau^2", c("ci.lb", "ci.ub")])
    out$i2_ci <- as.numeric(ci$random["I^2(%)", c("ci.lb", "ci.ub")])
    out$h2_ci <- as.numeric(ci$random["H^2", c("ci.lb", "ci.ub")])
  }
  l1 <- suppressWarnings(leave1out(res))
  out$leave_one_out <- list(estimate = l1$estimate, std_error = l1$se, ci_lower = l1$ci.lb,
                            ci_upper = l1$ci.ub, p_value = l1$pval, tau2 = l1$tau2,
                            i2 = l1$I2, q = l1$Q)
  inf <- suppressWarnings(influence(res))
  out$influence <- list(rstudent = inf$inf$rstudent, dffits = inf$inf$dffits,
                        cook_d = inf$inf$cook.d, cov_r = inf$inf$cov.r,
                        tau2_del = inf$inf$tau2.del, q_del = inf$inf$QE.del,
                        hat = inf$inf$hat, weight = inf$inf$weight,
                        dfbetas = inf$dfbs[[1]], influential = inf$is.infl)
  rs <- suppressWarnings(rstudent(res))
  out$rstudent <- list(resid = rs$resid, se = rs$se, z = rs$z)
  out$cooks_distance <- as.numeric(suppressWarnings(cooks.distance(res)))
  eg_rma <- suppressWarnings(regtest(res, model = "rma", predictor = "sei"))
  eg_lm <- suppressWarnings(regtest(res, model = "lm", predictor = "sei"))
  out$egger_rma <- list(statistic = eg_rma$zval, p_value = eg_rma$pval,
                        df = if (is.null(eg_rma$dfs)) NA else eg_rma$dfs,
                        limit_estimate = eg_rma$est, limit_ci = c(eg_rma$ci.lb, eg_rma$ci.ub))
  out$egger_lm <- list(statistic = eg_lm$zval, p_value = eg_lm$pval, df = eg_lm$dfs,
                       limit_estimate = eg_lm$est, limit_ci = c(eg_lm$ci.lb, eg_lm$ci.ub))
  out
}

analyses <- list()
add <- function(dataset, measure, variance, es, slab) {
  for (method in c("FE", "DL", "REML", "PM")) for (hksj in c(FALSE, TRUE)) {
    f <- fit_all(es$yi, es$vi, slab, method, hksj)
    f$dataset <- dataset
    f$measure <- measure
    f$smd_variance <- variance
    f$yi <- as.numeric(es$yi)
    f$vi <- as.numeric(es$vi)
    analyses[[length(analyses) + 1]] <<- f
  }
}
add("normand1999", "MD", NA, eff_two(normand, "MD"), normand$study)
add("normand1999", "SMD", "metafor", eff_two(normand, "SMD"), normand$study)
add("normand1999", "SMD", "revman5", eff_revman5(normand), normand$study)
add("gibson2002", "MD", NA, eff_two(gibson, "MD"), gibson$study)
add("gibson2002", "SMD", "metafor", eff_two(gibson, "SMD"), gibson$study)
add("gibson2002", "SMD", "revman5", eff_revman5(gibson), gibson$study)
add("bangertdrowns2004", "GEN", NA, data.frame(yi = bangert$yi, vi = bangert$se^2),
    bangert$study)
add("morris2008", "SMCR", NA, eff_prepost(morris, "SMCR"), morris$study)
add("morris2008", "SMCC", NA, eff_prepost(morris, "SMCC"), morris$study)

# ---------------------------------------------------------------- subgroup test (RevMan)
# Each subgroup is pooled on its own (own tau^2); the test for subgroup differences is the
# fixed-effect Q between the subgroup estimates: rma(est, sei = se, method = "FE")$QE.
subgroup_ref <- list()
for (method in c("FE", "DL", "REML", "PM")) for (hksj in c(FALSE, TRUE)) {
  test <- if (hksj) "knha" else "z"
  groups <- sort(unique(bangert$grade))
  fits <- lapply(groups, function(g) {
    s <- bangert[bangert$grade == g, ]
    suppressWarnings(rma(s$yi, s$se^2, method = method, test = test, control = ctrl))
  })
  est <- sapply(fits, function(f) as.numeric(f$beta))
  se <- sapply(fits, function(f) f$se)
  between <- rma(est, sei = se, method = "FE")
  subgroup_ref[[length(subgroup_ref) + 1]] <- list(
    dataset = "bangertdrowns2004", column = "grade", method = method, hksj = hksj,
    groups = groups, k = sapply(fits, function(f) f$k), estimate = est, std_error = se,
    ci_lower = sapply(fits, function(f) f$ci.lb), ci_upper = sapply(fits, function(f) f$ci.ub),
    tau2 = sapply(fits, function(f) f$tau2), i2 = sapply(fits, function(f) f$I2),
    q_between = between$QE, q_between_df = length(groups) - 1, q_between_p = between$QEp)
}

# Worked example (sample_data/meta_example): normand1999, RevMan 5 SMD, DL, subgroups by
# setting (Orpington strata vs other trials).
setting <- ifelse(grepl("Orpington", normand$study), "Orpington trial (severity strata)",
                  "Other trials")
rv <- eff_revman5(normand)
for (g in unique(setting)) {
  f <- rma(rv$yi[setting == g], rv$vi[setting == g], method = "DL")
  cat(sprintf("worked example %s: k=%d est=%.15g ci=[%.15g, %.15g]\n", g, f$k, f$beta, f$ci.lb,
              f$ci.ub))
}
fits <- lapply(unique(setting), function(g) rma(rv$yi[setting == g], rv$vi[setting == g],
                                                method = "DL"))
between <- rma(sapply(fits, function(f) as.numeric(f$beta)),
               sei = sapply(fits, function(f) f$se), method = "FE")
total <- rma(rv$yi, rv$vi, method = "DL")
subgroup_ref[[length(subgroup_ref) + 1]] <- list(
  dataset = "normand1999_revman5", column = "setting", method = "DL", hksj = FALSE,
  groups = unique(setting), k = sapply(fits, function(f) f$k),
  estimate = sapply(fits, function(f) as.numeric(f$beta)),
  std_error = sapply(fits, function(f) f$se), ci_lower = sapply(fits, function(f) f$ci.lb),
  ci_upper = sapply(fits, function(f) f$ci.ub), tau2 = sapply(fits, function(f) f$tau2),
  i2 = sapply(fits, function(f) f$I2), q_between = between$QE,
  q_between_df = length(fits) - 1, q_between_p = between$QEp,
  total = list(estimate = as.numeric(total$beta), ci_lower = total$ci.lb,
               ci_upper = total$ci.ub, p_value = total$pval, i2 = total$I2))

out <- list(
  about = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = as.character(packageVersion("metadat")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    control = ctrl),
  analyses = analyses,
  subgroups = subgroup_ref)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "metafor_reference.json")
cat("wrote", length(analyses), "analyses and", length(subgroup_ref), "subgroup tests\n")
