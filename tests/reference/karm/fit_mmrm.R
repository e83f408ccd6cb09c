# fit_mmrm.R -- k-arm MMRM references (R mmrm + emmeans) on data3.csv and data4.csv.
# Run from this directory:
#   R_LIBS=/work/rlib Rscript fit_mmrm.R > fit_mmrm.out 2>&1
# Writes mmrm_karm_reference.json. All arms in one model:
#   Y ~ SITE + BASE * VISIT + ARM * VISIT + us(VISIT | USUBJID), REML
# ARM levels: Placebo first, then the data's arm order; VISIT levels W4 < W8 < W12 < W16.
# Per fit: coefficients (estimate, SE, df from summary), emmeans ~ ARM | VISIT LS means
# (BASE at its mean over the analysed rows, SITE equal weights), contrasts trt.vs.ctrl and
# revpairwise (no adjustment) by VISIT with df and 95% CIs, and Type III F tests computed by
# mmrm::df_md on the hypothesis matrix of each term (the SAS / car Type III hypotheses: ARM
# has k - 1, ARM:VISIT (k - 1)(t - 1) numerator df; see type3() for how the rows are written).
# Every fit uses optimizer = "nlminb" with rel.tol = 1e-12 (1e-11 or 1e-10 where nlminb reports
# singular convergence at 1e-12; the .out file names the tolerance of each fit) (tighter than mmrm's default, so
# that the REML optimum, not the optimizer's stopping rule, sets the last digits; with the
# default the group-covariance fit stops 1.4e-6 below the optimum in log-likelihood).
# Fits: "kr" (method = "Kenward-Roger"), "kr_linear" (vcov = "Kenward-Roger-Linear"),
#       "satterthwaite"; "group" = us(VISIT | ARM / USUBJID) (one covariance per arm),
#       Satterthwaite ("group") and Kenward-Roger ("group_kr"); "empirical" = vcov =
#       "Empirical" (sandwich) with method = "Residual", "empirical_bw" with "Between-Within".
# Dose trend: Y ~ SITE + BASE * VISIT + DOSE:VISIT + us(VISIT | USUBJID) (the numeric dose in
# place of the ARM factor), the DOSE slope per visit with its SE, df, 95% CI and p, for the
# same methods (and the group covariance).
suppressPackageStartupMessages({ library(mmrm); library(emmeans); library(jsonlite) })

# nlminb stops with "singular convergence" on some fits at rel.tol 1e-12: then 1e-11, 1e-10.
tight_mmrm <- function(args) {
  for (tol in c(1e-12, 1e-11, 1e-10)) {
    fit <- tryCatch(do.call(mmrm, c(args, list(optimizer = "nlminb",
      optimizer_control = list(rel.tol = tol, iter.max = 5000, eval.max = 10000)))),
      error = function(e) NULL)
    if (!is.null(fit)) { cat(sprintf("  (nlminb rel.tol %g) %s; %s %s\n", tol, paste(deparse(args$formula, width.cutoff = 500L), collapse = ""), args$method, if (is.null(args$vcov)) "" else args$vcov)); return(fit) }
  }
  stop("no tight fit")
}
col_tab <- function(df, map) setNames(lapply(names(map), function(k) unname(df[[map[[k]]]])), names(map))
con_tab <- function(x) col_tab(as.data.frame(summary(x, infer = c(TRUE, TRUE))),
  c(contrast = "contrast", visit = "VISIT", estimate = "estimate", se = "SE", df = "df",
    lower = "lower.CL", upper = "upper.CL", t = "t.ratio", p = "p.value"))

read_trial <- function(file, arms) {
  d <- read.csv(file)
  d$ARM <- factor(d$ARM, levels = arms)
  d$VISIT <- factor(d$VISIT, levels = c("W4", "W8", "W12", "W16"))
  d$SITE <- factor(d$SITE, levels = c("S1", "S2", "S3"))
  d$USUBJID <- factor(d$USUBJID)
  d
}

fit_one <- function(d, method, vcov = NULL, group = FALSE) {
  cov <- if (group) "us(VISIT | ARM / USUBJID)" else "us(VISIT | USUBJID)"
  f <- as.formula(paste("Y ~ SITE + BASE * VISIT + ARM * VISIT +", cov))
  args <- list(formula = f, data = d, reml = TRUE, method = method)
  if (!is.null(vcov)) args$vcov <- vcov
  tight_mmrm(args)
}

type3 <- function(d, method, vcov, group) {
  # The F statistics and Kenward-Roger df do not depend on how a hypothesis' rows are written;
  # the multi-df Satterthwaite df of df_md (Fai & Cornelius) do. The rows are written as
  # trialkit writes them (models/mmrm_engine.type3, the SAS / car Type III hypotheses): a term
  # contained in another term (ARM, VISIT, BASE under ARM:VISIT, BASE:VISIT) as its
  # sum-to-zero coded coefficients, a term contained in no other term (SITE, ARM:VISIT,
  # BASE:VISIT) as its own treatment-coded coefficients.
  fit_trt <- fit_one(d, method, vcov, group)
  old <- options(contrasts = c("contr.sum", "contr.poly"))
  fit_sum <- fit_one(d, method, vcov, group)
  options(old)
  fac <- attr(terms(fit_trt), "factors")
  labels <- attr(terms(fit_trt), "term.labels")
  out <- list(term = character(), num_df = numeric(), den_df = numeric(), f = numeric(), p = numeric())
  for (j in seq_along(labels)) {
    inside <- function(k) k != j && all(fac[fac[, j] > 0, k] > 0)
    contained <- any(vapply(seq_along(labels), inside, logical(1)))
    fit <- if (contained) fit_sum else fit_trt
    assign <- attr(component(fit, "x_matrix"), "assign")
    idx <- which(assign == j)
    L <- matrix(0, length(idx), length(coef(fit))); L[cbind(seq_along(idx), idx)] <- 1
    r <- df_md(fit, L)
    out$term <- c(out$term, labels[j]); out$num_df <- c(out$num_df, r$num_df)
    out$den_df <- c(out$den_df, r$denom_df); out$f <- c(out$f, r$f_stat); out$p <- c(out$p, r$p_val)
  }
  out
}

trend <- function(d, method, vcov = NULL, group = FALSE) {
  cov <- if (group) "us(VISIT | ARM / USUBJID)" else "us(VISIT | USUBJID)"
  f <- as.formula(paste("Y ~ SITE + BASE * VISIT + DOSE:VISIT +", cov))
  args <- list(formula = f, data = d, reml = TRUE, method = method)
  if (!is.null(vcov)) args$vcov <- vcov
  fit <- tight_mmrm(args)
  cf <- summary(fit)$coefficients
  rows <- grep("DOSE", rownames(cf))
  est <- unname(cf[rows, "Estimate"]); se <- unname(cf[rows, "Std. Error"]); df <- unname(cf[rows, "df"])
  q <- qt(0.975, df)
  list(term = rownames(cf)[rows], visit = levels(d$VISIT), estimate = est, se = se, df = df,
       lower = est - q * se, upper = est + q * se, t = est / se, p = 2 * pt(-abs(est / se), df))
}

analyse <- function(d, method, vcov = NULL, group = FALSE) {
  fit <- fit_one(d, method, vcov, group)
  cf <- summary(fit)$coefficients
  emm <- emmeans(fit, ~ ARM | VISIT)
  s <- as.data.frame(summary(emm, infer = c(TRUE, FALSE)))
  list(
    loglik = as.numeric(logLik(fit)), n_subjects = component(fit, "n_subjects"),
    n_obs = component(fit, "n_obs"),
    coefficients = list(term = rownames(cf), estimate = unname(cf[, "Estimate"]),
                        se = unname(cf[, "Std. Error"]), df = unname(cf[, "df"])),
    lsmeans = col_tab(s, c(arm = "ARM", visit = "VISIT", estimate = "emmean", se = "SE", df = "df",
                           lower = "lower.CL", upper = "upper.CL")),
    vs_control = con_tab(contrast(emm, method = "trt.vs.ctrl", ref = 1, adjust = "none")),
    pairwise = con_tab(contrast(emm, method = "revpairwise", adjust = "none")),
    type3 = type3(d, method, vcov, group),
    trend = trend(d, method, vcov, group))
}

d3 <- read_trial("data3.csv", c("Placebo", "Low Dose", "High Dose"))
d4 <- read_trial("data4.csv", c("Placebo", "D1", "D2", "D3"))
out <- list(`_about` = list(
  what = "k-arm MMRM, see the header of fit_mmrm.R",
  software = paste0(R.version.string, "; mmrm ", packageVersion("mmrm"), "; emmeans ",
                    packageVersion("emmeans"), "; jsonlite ", packageVersion("jsonlite")),
  date = format(Sys.Date()),
  generated_by = "R_LIBS=/work/rlib Rscript fit_mmrm.R (in tests/reference/karm)"))
out$data3 <- list(
  kr = analyse(d3, "Kenward-Roger"),
  kr_linear = analyse(d3, "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  satterthwaite = analyse(d3, "Satterthwaite"),
  group = analyse(d3, "Satterthwaite", group = TRUE),
  group_kr = analyse(d3, "Kenward-Roger", group = TRUE),
  empirical = analyse(d3, "Residual", vcov = "Empirical"),
  empirical_bw = analyse(d3, "Between-Within", vcov = "Empirical"))
out$data4 <- list(kr = analyse(d4, "Kenward-Roger"))
for (nm in names(out$data3)) {
  r <- out$data3[[nm]]
  cat(sprintf("data3 %s: logLik %.6f; %s %s = %.6f (SE %.6f, df %.4f); F(ARM) = %.5f on %g, %.4f; trend W16 %.6f (SE %.6f, df %.4f, p %.5g)\n",
      nm, r$loglik, r$vs_control$contrast[4], r$vs_control$visit[4], r$vs_control$estimate[4], r$vs_control$se[4],
      r$vs_control$df[4], r$type3$f[r$type3$term == "ARM"], r$type3$num_df[r$type3$term == "ARM"],
      r$type3$den_df[r$type3$term == "ARM"], r$trend$estimate[4], r$trend$se[4], r$trend$df[4], r$trend$p[4]))
}
r <- out$data4$kr
cat(sprintf("data4 kr: logLik %.6f; F(ARM:VISIT) = %.5f on %g, %.4f\n", r$loglik,
    r$type3$f[r$type3$term == "VISIT:ARM"], r$type3$num_df[r$type3$term == "VISIT:ARM"], r$type3$den_df[r$type3$term == "VISIT:ARM"]))
write_json(out, "mmrm_karm_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote mmrm_karm_reference.json\n")
