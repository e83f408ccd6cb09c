# fit_references.R -- MMRM reference values on data.csv (made by simulate_data.R).
# Run from this directory:  Rscript fit_references.R > fit_references.out 2>&1
# Writes mmrm_trial2_reference.json (layout: README.md).
#
# Model:  Y ~ ARM * VISIT + BASE * VISIT + SITE, residual covariance over VISIT within ID,
# reference levels ARM = Control, VISIT = W4, SITE = S1 (treatment contrasts).
# Sources of numbers, per fit:
#   gls      : nlme::gls (best of two optimisers), its coefficient table and logLik
#   emmeans  : emmeans on the gls fit, modes df.error / satterthwaite / appx-satterthwaite
#   engine   : engine_ref.R (tight REML/ML, Richardson Hessian) -> Satterthwaite,
#              Kenward-Roger-Linear and Kenward-Roger (SAS parameterisation); validated in
#              validate_engine_fev.R against SAS PROC MIXED and R mmrm.
#   lmer_cs  : lme4::lmer random intercept (= compound symmetry) + emmeans with
#              pbkrtest Kenward-Roger and lmerTest Satterthwaite.
suppressPackageStartupMessages({
  library(nlme); library(emmeans); library(jsonlite); library(lme4); library(pbkrtest)
  library(lmerTest)
})
source("engine_ref.R")
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

d <- read.csv("data.csv")
d$ARM <- factor(d$ARM, levels = c("Control", "Active"))
d$VISIT <- factor(d$VISIT, levels = c("W4", "W8", "W12", "W16"))
d$SITE <- factor(d$SITE, levels = c("S1", "S2", "S3"))
d <- d[order(d$ID, d$VISITN), ]
dc <- d[!is.na(d$Y), ]
rownames(dc) <- NULL
fml <- Y ~ ARM * VISIT + BASE * VISIT + SITE
X <- model.matrix(fml, dc)
excluded <- setdiff(unique(d$ID), unique(dc$ID))
cat("subjects:", length(unique(d$ID)), " used:", length(unique(dc$ID)), " observations used:", nrow(dc),
    " excluded (no post-baseline Y):", excluded, "\n")

specs <- list(
  us = list(corr = corSymm(form = ~VISITN | ID), het = TRUE),
  cs = list(corr = corCompSymm(form = ~1 | ID), het = FALSE),
  csh = list(corr = corCompSymm(form = ~1 | ID), het = TRUE),
  ar1 = list(corr = corAR1(form = ~VISITN | ID), het = FALSE),
  ar1h = list(corr = corAR1(form = ~VISITN | ID), het = TRUE),
  toep = list(corr = corARMA(form = ~VISITN | ID, p = 3), het = FALSE),
  toeph = list(corr = corARMA(form = ~VISITN | ID, p = 3), het = TRUE)
)
gls_corr_call <- c(
  us = "corSymm(form = ~VISITN | ID)", cs = "corCompSymm(form = ~1 | ID)",
  csh = "corCompSymm(form = ~1 | ID)", ar1 = "corAR1(form = ~VISITN | ID)",
  ar1h = "corAR1(form = ~VISITN | ID)", toep = "corARMA(form = ~VISITN | ID, p = 3)",
  toeph = "corARMA(form = ~VISITN | ID, p = 3)")

fit_gls <- function(ty, method, opt) {
  sp <- specs[[ty]]
  ctl <- if (opt == "nlminb") glsControl(maxIter = 1000, msMaxIter = 1000, tolerance = 1e-12, natural = FALSE)
         else glsControl(opt = "optim", optimMethod = sub("optim_", "", opt), maxIter = 1000, msMaxIter = 10000,
                         msTol = 1e-15, tolerance = 1e-12, natural = FALSE)
  args <- list(model = fml, data = dc, correlation = sp$corr, method = method, control = ctl)
  if (sp$het) args$weights <- varIdent(form = ~1 | VISIT)
  tryCatch(do.call(gls, args), error = function(e) { cat("  ", ty, method, opt, "failed:", conditionMessage(e), "\n"); NULL })
}

col_tab <- function(df, map) setNames(lapply(names(map), function(k) unname(df[[map[[k]]]])), names(map))

emm_tables <- function(fit, mode, weights = "equal", lmer_df = NULL) {
  args <- list(fit, specs = ~ARM | VISIT, weights = weights, data = dc)
  if (!is.null(mode)) args$mode <- mode
  if (!is.null(lmer_df)) args$lmer.df <- lmer_df
  # appx-satterthwaite perturbs the fit at random: seed each call for reproducibility
  set.seed(20261123)
  emm <- do.call(emmeans, args)
  s <- as.data.frame(summary(emm, infer = c(TRUE, FALSE)))
  dif <- contrast(emm, method = "revpairwise")
  sd <- as.data.frame(summary(dif, infer = c(TRUE, TRUE)))
  args2 <- args; args2$specs <- ~ARM * VISIT
  set.seed(20261123)
  emm2 <- do.call(emmeans, args2)
  g <- emm2@grid
  w_avg <- ifelse(g$ARM == "Active", 1, -1) / 4
  avg <- contrast(emm2, method = list("Active - Control, mean over visits" = w_avg))
  sa <- as.data.frame(summary(avg, infer = c(TRUE, TRUE)))
  list(
    emm_mode = attr(emm@dffun, "mesg"),
    lsmeans = col_tab(s, c(arm = "ARM", visit = "VISIT", estimate = "emmean", se = "SE", df = "df",
                           lower = "lower.CL", upper = "upper.CL")),
    differences = c(list(contrast = "Active - Control"),
                    col_tab(sd, c(visit = "VISIT", estimate = "estimate", se = "SE", df = "df",
                                  lower = "lower.CL", upper = "upper.CL", t = "t.ratio", p = "p.value"))),
    average_difference = col_tab(sa, c(estimate = "estimate", se = "SE", df = "df", lower = "lower.CL",
                                       upper = "upper.CL", t = "t.ratio", p = "p.value")),
    L_lsmeans = emm@linfct, L_differences = dif@linfct, L_average = avg@linfct
  )
}

engine_tables <- function(inf, Ls, method) {
  tab <- function(L) contrast_table(inf, L, method)
  lm_ <- tab(Ls$L_lsmeans); di <- tab(Ls$L_differences); av <- tab(Ls$L_average)
  list(
    lsmeans = c(list(arm = rep(c("Control", "Active"), 4), visit = rep(levels(dc$VISIT), each = 2)),
                as.list(lm_[c("estimate", "se", "df", "lower", "upper")])),
    differences = c(list(contrast = "Active - Control", visit = levels(dc$VISIT)), as.list(di)),
    average_difference = as.list(av)
  )
}

visit_cov <- function(fit) {
  full <- names(which(table(dc$ID) == 4))[1]
  unclass(getVarCov(fit, individual = full))[1:4, 1:4]
}

out <- list()
out[["_about"]] <- list(
  data = "data.csv: simulated by simulate_data.R (set.seed(20261123)); 160 subjects, 640 rows (ID x VISIT grid), Y missing in 73 rows; subjects P013 and P080 have no post-baseline Y and are excluded from every model",
  model = "Y ~ ARM * VISIT + BASE * VISIT + SITE; residual covariance over VISIT (W4,W8,W12,W16) within ID; treatment contrasts with reference levels ARM=Control, VISIT=W4, SITE=S1; BASE continuous, not centred",
  lsmeans = "emmeans ~ ARM | VISIT: BASE at its mean over the analysed observations (rows), SITE averaged with equal weights (SAS LSMEANS) unless the key says proportional (weights = observed SITE frequencies among analysed rows)",
  software = paste0(R.version.string, "; nlme ", packageVersion("nlme"), "; emmeans ", packageVersion("emmeans"),
                    "; lme4 ", packageVersion("lme4"), "; pbkrtest ", packageVersion("pbkrtest"),
                    "; lmerTest ", packageVersion("lmerTest"), "; numDeriv ", packageVersion("numDeriv"),
                    "; jsonlite ", packageVersion("jsonlite")),
  date = format(Sys.Date()),
  generated_by = "Rscript fit_references.R (in tests/reference/mmrm_trial2)")
out$data <- list(
  n_subjects_total = length(unique(d$ID)), n_rows_total = nrow(d),
  n_subjects_used = length(unique(dc$ID)), n_observations_used = nrow(dc),
  excluded_subjects = excluded, excluded_reason = "no non-missing post-baseline Y",
  observations_per_visit = as.list(table(dc$VISIT)),
  observations_per_arm_visit = lapply(split(dc$VISIT, dc$ARM), function(v) as.list(table(v))),
  base_reference_value = mean(dc$BASE),
  site_proportional_weights = as.list(table(dc$SITE) / nrow(dc)),
  terms = colnames(X))

agree_digits <- function(a, b) if (a == b) 16 else floor(-log10(abs(a - b) / abs(b)))

for (ty in names(specs)) for (method in c("REML", "ML")) {
  key <- paste0(ty, "_", tolower(method))
  cat("==", key, "\n")
  fits <- list(nlminb = fit_gls(ty, method, "nlminb"), optim_BFGS = fit_gls(ty, method, "optim_BFGS"))
  if (is.null(fits$optim_BFGS)) fits$`optim_Nelder-Mead` <- fit_gls(ty, method, "optim_Nelder-Mead")
  fits <- Filter(Negate(is.null), fits)
  ll <- sapply(fits, function(f) as.numeric(logLik(f)))
  best <- names(which.max(ll)); fit <- fits[[best]]
  cat(sprintf("  logLik %s; best %s\n", paste(names(ll), sprintf("%.12f", ll), collapse = ", "), best))
  # engine fit started from the gls covariance, in the SAS parameterisation
  pr <- mmrm_prepare(dc$Y, X, dc$ID, dc$VISITN, 4)
  S_gls <- visit_cov(fit)
  ef <- mmrm_fit(pr, ty, theta_from_sigma(ty, S_gls), reml = method == "REML")
  inf <- mmrm_inference(ef)
  cat(sprintf("  engine logLik %.12f (engine - gls %.2e); engine gradient max %.1e\n",
      ef$loglik, ef$loglik - max(ll), ef$grad_maxabs))
  cat(sprintf("  max |beta_gls - beta_engine| / SE = %.2e; max rel diff of Sigma = %.2e\n",
      max(abs(coef(fit) - inf$beta) / sqrt(diag(inf$Phi))), max(abs(S_gls - inf$Sigma) / abs(inf$Sigma))))
  res <- list(
    covariance = ty, reml = method == "REML",
    gls_call = paste0("gls(Y ~ ARM * VISIT + BASE * VISIT + SITE, correlation = ", gls_corr_call[[ty]],
                      if (specs[[ty]]$het) ", weights = varIdent(form = ~1 | VISIT)" else "",
                      ", method = \"", method, "\")"),
    loglik = max(ll),
    loglik_by_optimiser = as.list(ll),
    loglik_optimiser_agreement_digits = if (length(ll) > 1) agree_digits(min(ll), max(ll)) else NA,
    loglik_engine = ef$loglik,
    engine_minus_gls_loglik = ef$loglik - max(ll),
    engine_gradient_maxabs = ef$grad_maxabs,
    engine_vs_gls_max_abs_coef_diff_over_se = max(abs(coef(fit) - inf$beta) / sqrt(diag(inf$Phi))),
    n_theta = length(ef$theta),
    theta_sas = ef$theta,
    coefficients = list(term = names(coef(fit)), estimate = unname(coef(fit)),
                        se = unname(sqrt(diag(vcov(fit))))),
    coefficients_engine = list(term = names(inf$beta), estimate = unname(inf$beta),
                               se = unname(sqrt(diag(inf$Phi)))),
    covariance_matrix = S_gls,
    covariance_matrix_engine = inf$Sigma)
  modes <- c("df.error", "satterthwaite", "appx-satterthwaite")
  em <- lapply(modes, function(m) tryCatch(emm_tables(fit, m), error = function(e) {
    cat("  emmeans mode", m, "failed:", conditionMessage(e), "\n"); NULL }))
  names(em) <- modes
  res$emmeans <- lapply(Filter(Negate(is.null), em), function(e) e[c("emm_mode", "lsmeans", "differences", "average_difference")])
  res$emmeans_proportional <- emm_tables(fit, "df.error", weights = "proportional")[c("lsmeans", "differences", "average_difference")]
  Ls <- em[["df.error"]]
  eng <- list(satterthwaite = engine_tables(inf, Ls, "satterthwaite"))
  if (method == "REML") {
    eng$kenward_roger_linear <- engine_tables(inf, Ls, "kenward_roger_linear")
    eng$kenward_roger <- engine_tables(inf, Ls, "kenward_roger")
  }
  res$engine <- eng
  # how close are emmeans' gls Satterthwaite df to the accurate engine df?
  for (m in c("satterthwaite", "appx-satterthwaite")) if (!is.null(em[[m]])) {
    r <- max(abs(em[[m]]$differences$df - eng$satterthwaite$differences$df) / eng$satterthwaite$differences$df)
    cat(sprintf("  emmeans %s (%s) vs engine Satterthwaite df: max rel diff %.2e\n", m, em[[m]]$emm_mode, r))
    res[[paste0("emmeans_", m, "_df_max_rel_diff_vs_engine")]] <- r
  }
  out[[key]] <- res
}

# direct Toeplitz check: corARMA(p = 3) (+ varIdent) vs the engine's direct Toeplitz fits
for (ty in c("toep", "toeph")) for (m in c("reml", "ml")) {
  k <- paste0(ty, "_", m)
  cat(sprintf("Toeplitz check %s: gls corARMA(p = 3) logLik %.10f vs direct Toeplitz (engine) %.10f\n", k,
      out[[k]]$loglik, out[[k]]$loglik_engine))
}

# compound symmetry via lmer (random intercept): exact KR (pbkrtest) and Satterthwaite (lmerTest)
cat("== lmer_cs\n")
lf <- lmer(Y ~ ARM * VISIT + BASE * VISIT + SITE + (1 | ID), data = dc, REML = TRUE,
           control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.5, rhoend = 1e-12, maxfun = 1e5)))
cat(sprintf("  lmer REML logLik %.12f vs engine cs %.12f\n", as.numeric(logLik(lf)), out$cs_reml$loglik_engine))
vc <- as.data.frame(VarCorr(lf))
lm_kr <- emm_tables(lf, NULL, lmer_df = "kenward-roger")
lm_sat <- emm_tables(lf, NULL, lmer_df = "satterthwaite")
out$lmer_cs_reml <- list(
  call = "lmer(Y ~ ARM * VISIT + BASE * VISIT + SITE + (1 | ID), REML = TRUE)",
  loglik = as.numeric(logLik(lf)),
  variance_components = list(subject = vc$vcov[1], residual = vc$vcov[2]),
  coefficients = list(term = names(fixef(lf)), estimate = unname(fixef(lf)), se = unname(sqrt(diag(as.matrix(vcov(lf)))))),
  kenward_roger = lm_kr[c("emm_mode", "lsmeans", "differences", "average_difference")],
  satterthwaite = lm_sat[c("emm_mode", "lsmeans", "differences", "average_difference")])
for (nm in c("kenward_roger", "satterthwaite")) {
  a <- out$lmer_cs_reml[[nm]]$differences; b <- out$cs_reml$engine[[nm]]$differences
  cat(sprintf("  lmer %s vs engine cs: diff SE max rel %.2e, df max rel %.2e\n", nm,
      max(abs(a$se - b$se) / b$se), max(abs(a$df - b$df) / b$df)))
}

write_json(out, "mmrm_trial2_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote mmrm_trial2_reference.json\n")
