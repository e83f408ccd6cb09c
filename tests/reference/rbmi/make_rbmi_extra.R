# Further rbmi references on fev_data, made for trialkit's imputation engine (helper session "impute").
# Same data preparation as make_fev_reference.R (copied from /work/shared/reference/rbmi/).
#  (a) approximate Bayesian MI (method_approxbayes, n_samples = N_AB) under JR, with every
#      imputation's estimate and SE, so the Monte-Carlo error of both runs can be computed;
#  (b) delta adjustment: condmean + jackknife, JR, delta on the imputed TRT values (fixed shifts) and
#      delta_template(delta, dlag) increments after the event (both arms);
#  (c) LMCF (condmean + jackknife); (d) JR with one covariance per arm (same_cov = FALSE);
#  (e) run time of condmean + jackknife (MAR) on fev_data: draws + impute + analyse + pool.
# Run: cd tests/reference/rbmi && R_LIBS=/work/rlib Rscript make_rbmi_extra.R > make_rbmi_extra.out 2>&1
suppressMessages({library(rbmi); library(jsonlite)})
set.seed(20261130)
N_AB <- 200
dat <- mmrm::fev_data
dat <- data.frame(PATIENT = factor(dat$USUBJID), VISIT = factor(dat$AVISIT), THERAPY = relevel(factor(dat$ARMCD), ref = "PBO"), BASVAL = dat$FEV1_BL, CHANGE = dat$FEV1)
dat <- expand_locf(dat, PATIENT = levels(dat$PATIENT), VISIT = levels(dat$VISIT),
                   vars = c("BASVAL", "THERAPY"), group = c("PATIENT"), order = c("PATIENT", "VISIT"))
miss <- dat[is.na(dat$CHANGE), c("PATIENT", "VISIT")]
miss <- miss[order(miss$PATIENT, miss$VISIT), ]
first <- miss[!duplicated(miss$PATIENT), ]
last_obs <- tapply(as.integer(dat$VISIT)[!is.na(dat$CHANGE)], dat$PATIENT[!is.na(dat$CHANGE)], max)
lo <- last_obs[as.character(first$PATIENT)]
first <- first[!is.na(lo) & as.integer(first$VISIT) > lo, ]
dat <- dat[dat$PATIENT %in% names(last_obs), ]; dat$PATIENT <- droplevels(dat$PATIENT); first$PATIENT <- factor(as.character(first$PATIENT), levels = levels(dat$PATIENT))
cat("subjects:", nlevels(dat$PATIENT), " dropouts:", nrow(first), "\n")
vars <- set_vars(outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY",
                 covariates = c("BASVAL*VISIT", "THERAPY*VISIT"))
vars_an <- set_vars(outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY", covariates = "BASVAL")
refs <- c("PBO" = "PBO", "TRT" = "PBO")
tidy <- function(p) { p <- as.data.frame(p); list(parameter = p$parameter, est = p$est, se = p$se, lci = p$lci, uci = p$uci, pval = p$pval) }
ice_of <- function(s) data.frame(PATIENT = first$PATIENT, VISIT = first$VISIT, strategy = s)
out <- list(`_about` = list(made = format(Sys.time(), tz = "UTC"), R = R.version.string,
  rbmi = as.character(packageVersion("rbmi")), mmrm = as.character(packageVersion("mmrm")), N_AB = N_AB,
  note = "see make_rbmi_extra.R; data as make_fev_reference.R"))

# (e) timing, condmean + jackknife, MAR
tm <- system.time({
  d <- draws(data = dat, data_ice = ice_of("MAR"), vars = vars, method = method_condmean(type = "jackknife"), quiet = TRUE)
  imp <- impute(d, references = refs)
  p <- pool(analyse(imp, vars = vars_an))
})
out$timing_condmean_jackknife_MAR_seconds <- unname(tm[["elapsed"]])
# the full-data imputation-model fit inside rbmi (sample 1 of condmean), to compare its REML
# log-likelihood with trialkit's optimum; and the leave-one-out fits' covariances
out$full_fit_MAR <- list(beta = d$samples[[1]]$beta, sigma = as.vector(d$samples[[1]]$sigma$PBO),
  beta_names = colnames(rbmi:::as_model_df(dat, d$formula))[-1],
  jackknife_sigma_11 = vapply(d$samples[-1], function(s) s$sigma$PBO[1, 1], numeric(1)))
cat("condmean+jackknife MAR elapsed:", tm[["elapsed"]], "s\n")

save <- function() writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "fev_rbmi_extra.json")
save()
# (b) delta adjustment (condmean + jackknife, JR)
d <- draws(data = dat, data_ice = ice_of("JR"), vars = vars, method = method_condmean(type = "jackknife"), quiet = TRUE)
imp <- impute(d, references = refs)
for (delta in c(0, 2, 5, 8)) {
  dd <- delta_template(imp)
  dd$delta <- ifelse(dd$is_missing & dd$THERAPY == "TRT", delta, 0)
  p <- pool(analyse(imp, vars = vars_an, delta = dd))
  out[[sprintf("delta_trt_%g", delta)]] <- tidy(p)
}
dd <- delta_template(imp, delta = c(0.5, 1, 1.5, 2), dlag = c(1, 1, 1, 1))
out$delta_increment_template <- list(PATIENT = as.character(dd$PATIENT), VISIT = as.character(dd$VISIT), delta = dd$delta)
out$delta_increment <- tidy(pool(analyse(imp, vars = vars_an, delta = dd)))
dd <- delta_template(imp, delta = c(1, 1, 1, 1), dlag = c(2, 1, 0.5, 0))
out$delta_increment_lag_template <- list(PATIENT = as.character(dd$PATIENT), VISIT = as.character(dd$VISIT), delta = dd$delta)
out$delta_increment_lag <- tidy(pool(analyse(imp, vars = vars_an, delta = dd)))

# (c) LMCF
d <- draws(data = dat, data_ice = ice_of("LMCF"), vars = vars, method = method_condmean(type = "jackknife"), quiet = TRUE)
out$LMCF <- tidy(pool(analyse(impute(d, references = refs), vars = vars_an)))

save()
# (a) approximate Bayesian MI
for (s in c("JR")) {
  tm <- system.time({
    d <- draws(data = dat, data_ice = ice_of(s), vars = vars, method = method_approxbayes(n_samples = N_AB), quiet = TRUE)
    imp <- impute(d, references = refs)
    ana <- analyse(imp, vars = vars_an)
    p <- pool(ana)
  })
  per <- lapply(paste0("trt_VIS", 1:4), function(nm) list(
    est = vapply(ana$results, function(r) r[[nm]]$est, numeric(1)),
    se = vapply(ana$results, function(r) r[[nm]]$se, numeric(1)),
    df = vapply(ana$results, function(r) r[[nm]]$df, numeric(1))))
  names(per) <- paste0("trt_VIS", 1:4)
  out[[paste0("approxbayes_", s)]] <- c(tidy(p), list(per_imputation = per, n_failures = d$n_failures, seconds = unname(tm[["elapsed"]])))
  cat("approxbayes", s, "elapsed:", tm[["elapsed"]], "s\n"); print(p)
}

save()
# (d) JR, one covariance per arm
d <- draws(data = dat, data_ice = ice_of("JR"), vars = vars, method = method_condmean(type = "jackknife", same_cov = FALSE), quiet = TRUE)
out$JR_group_cov <- tidy(pool(analyse(impute(d, references = refs), vars = vars_an)))

save()
print(sessionInfo())
