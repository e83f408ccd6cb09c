# Tipping-point reference on fev_data, made for trialkit's tipping_point() (helper session "impute").
# Same data preparation as make_fev_reference.R / make_rbmi_extra.R.
# Conditional mean imputation + jackknife under JR (references TRT -> PBO), ANCOVA per visit
# CHANGE ~ THERAPY + BASVAL, and a grid of shifts delta added to every imputed TRT value
# (delta_template: is_missing & THERAPY == "TRT"), pooled with rbmi's pool() for each delta.
# The tipping point is the delta at which the VIS4 p-value crosses 0.05, found with R's
# uniroot() on delta -> pool(analyse(imp, delta = ...))$pval (tol 1e-9), between the two grid
# points where the sign of p - 0.05 changes.
# Run: cd tests/reference/rbmi && R_LIBS=/work/rlib Rscript make_rbmi_tipping.R > make_rbmi_tipping.out 2>&1
suppressMessages({library(rbmi); library(jsonlite)})
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
ice <- data.frame(PATIENT = first$PATIENT, VISIT = first$VISIT, strategy = "JR")
ALPHA <- 0.05
GRID <- seq(-8, 0, by = 1)

d <- draws(data = dat, data_ice = ice, vars = vars, method = method_condmean(type = "jackknife"), quiet = TRUE)
imp <- impute(d, references = refs)
pooled <- function(delta) {
  dd <- delta_template(imp)
  dd$delta <- ifelse(dd$is_missing & dd$THERAPY == "TRT", delta, 0)
  as.data.frame(pool(analyse(imp, vars = vars_an, delta = dd)))
}
vis4 <- function(p) p[p$parameter == "trt_VIS4", ]
rows <- lapply(GRID, function(delta) { r <- vis4(pooled(delta)); r$delta <- delta; r })
tab <- do.call(rbind, rows)
print(tab)
f <- function(delta) vis4(pooled(delta))$pval - ALPHA
s <- sign(tab$pval - ALPHA)
i <- which(s[-1] != s[-length(s)])
roots <- vapply(i, function(j) uniroot(f, c(GRID[j], GRID[j + 1]), tol = 1e-9)$root, numeric(1))
cat("tipping point(s):", format(roots, digits = 12), "\n")
at_root <- lapply(roots, function(r) vis4(pooled(r)))
out <- list(
  `_about` = list(made = format(Sys.time(), tz = "UTC"), R = R.version.string,
    rbmi = as.character(packageVersion("rbmi")), mmrm = as.character(packageVersion("mmrm")),
    note = "see make_rbmi_tipping.R; data as make_fev_reference.R"),
  strategy = "JR", visit = "VIS4", alpha = ALPHA, delta_arm = "TRT",
  grid = list(delta = tab$delta, est = tab$est, se = tab$se, lci = tab$lci, uci = tab$uci, pval = tab$pval),
  tipping_points = I(roots),
  at_tipping_point = list(est = I(vapply(at_root, function(r) r$est, numeric(1))),
                          pval = I(vapply(at_root, function(r) r$pval, numeric(1)))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "fev_rbmi_tipping.json")
print(sessionInfo())
