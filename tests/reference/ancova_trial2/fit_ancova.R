# fit_ancova.R -- per-visit ANCOVA reference values on ../mmrm_trial2/data.csv.
# Run from this directory:  Rscript fit_ancova.R > fit_ancova.out 2>&1
# Writes ancova_trial2_reference.json (layout: README.md in this directory).
# Per visit: complete cases (non-missing Y at that visit), lm(Y ~ ARM + BASE + SITE),
# reference levels ARM = Control, SITE = S1; emmeans ~ ARM (BASE at its mean over the
# visit's analysed subjects, SITE with equal weights = SAS LSMEANS; also proportional);
# contrast Active - Control; model-based and sandwich (HC0, HC1, HC2, HC3) covariance.
suppressPackageStartupMessages({ library(emmeans); library(sandwich); library(jsonlite) })
d <- read.csv("../mmrm_trial2/data.csv")
d$ARM <- factor(d$ARM, levels = c("Control", "Active"))
d$VISIT <- factor(d$VISIT, levels = c("W4", "W8", "W12", "W16"))
d$SITE <- factor(d$SITE, levels = c("S1", "S2", "S3"))

col_tab <- function(df, map) setNames(lapply(names(map), function(k) unname(df[[map[[k]]]])), names(map))
tables <- function(fit, dv, vc = NULL, weights = "equal") {
  args <- list(fit, specs = ~ARM, weights = weights, data = dv)
  if (!is.null(vc)) args$vcov. <- vc
  emm <- do.call(emmeans, args)
  s <- as.data.frame(summary(emm, infer = c(TRUE, FALSE)))
  dd <- as.data.frame(summary(contrast(emm, method = "revpairwise"), infer = c(TRUE, TRUE)))
  list(lsmeans = col_tab(s, c(arm = "ARM", estimate = "emmean", se = "SE", df = "df", lower = "lower.CL", upper = "upper.CL")),
       difference = c(list(contrast = "Active - Control"),
                      col_tab(dd, c(estimate = "estimate", se = "SE", df = "df", lower = "lower.CL",
                                    upper = "upper.CL", t = "t.ratio", p = "p.value"))))
}

out <- list(`_about` = list(
  data = "../mmrm_trial2/data.csv (simulate_data.R, set.seed(20261123)); long, 160 subjects x 4 visits",
  model = "per visit, complete cases: lm(Y ~ ARM + BASE + SITE); reference levels ARM=Control, SITE=S1",
  lsmeans = "emmeans ~ ARM: BASE at its mean over the visit's analysed subjects; SITE equal weights (SAS LSMEANS) in 'model'/'HC*', observed SITE frequencies in 'model_proportional'",
  robust = "sandwich::vcovHC(fit, type = 'HC0'|'HC1'|'HC2'|'HC3') passed to emmeans(vcov. = ...); df stay the residual df n - p",
  software = paste0(R.version.string, "; emmeans ", packageVersion("emmeans"), "; sandwich ",
                    packageVersion("sandwich"), "; jsonlite ", packageVersion("jsonlite")),
  date = format(Sys.Date()),
  generated_by = "Rscript fit_ancova.R (in tests/reference/ancova_trial2)"))

for (v in levels(d$VISIT)) {
  dv <- d[d$VISIT == v & !is.na(d$Y), ]
  fit <- lm(Y ~ ARM + BASE + SITE, data = dv)
  cf <- summary(fit)$coefficients
  res <- list(
    visit = v,
    n_total = sum(d$VISIT == v), n_missing_y = sum(d$VISIT == v & is.na(d$Y)),
    n_used = nrow(dv), n_per_arm = as.list(table(dv$ARM)),
    excluded_subjects = sort(d$ID[d$VISIT == v & is.na(d$Y)]),
    base_reference_value = mean(dv$BASE),
    residual_df = fit$df.residual, sigma = summary(fit)$sigma,
    r_squared = summary(fit)$r.squared,
    coefficients = list(term = rownames(cf), estimate = unname(cf[, 1]), se = unname(cf[, 2]),
                        t = unname(cf[, 3]), p = unname(cf[, 4])),
    model = tables(fit, dv),
    model_proportional = tables(fit, dv, weights = "proportional"))
  for (hc in c("HC0", "HC1", "HC2", "HC3")) {
    vc <- vcovHC(fit, type = hc)
    res[[hc]] <- c(list(coefficient_se = unname(sqrt(diag(vc)))), tables(fit, dv, vc = vc))
  }
  out[[v]] <- res
  cat(sprintf("%s: n = %d (Control %d, Active %d); diff %.6f SE %.6f (HC3 SE %.6f) df %d\n", v, nrow(dv),
      res$n_per_arm$Control, res$n_per_arm$Active, res$model$difference$estimate, res$model$difference$se,
      res$HC3$difference$se, fit$df.residual))
}
write_json(out, "ancova_trial2_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote ancova_trial2_reference.json\n")
