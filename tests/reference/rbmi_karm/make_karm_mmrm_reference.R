# k-arm reference-based imputation analysed by an MMRM on every imputed data set: references on
# ../karm/data3.csv (3 arms: Placebo, Low Dose, High Dose) from rbmi (openpharma) with
# conditional mean imputation + jackknife (deterministic), the same data, imputation model,
# events and references as make_karm_reference.R; only the analysis function differs.
# Imputation model: one MMRM with all three arms, CHANGE ~ BASVAL*VISIT + THERAPY*VISIT,
# unstructured covariance (rbmi's default, one covariance for all arms); case "JR_site" adds
# SITE (a factor, one effect for all visits) to the imputation and the analysis model.
# Analysis of every imputed data set: the MMRM trialkit fits for analysis = "mmrm"
# (trialkit.models.fit_mmrm with its defaults): mmrm(CHANGE ~ [SITE +] BASVAL*VISIT +
# THERAPY*VISIT + us(VISIT | PATIENT)), REML, Kenward-Roger df with the linear covariance
# parametrisation (method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"), nlminb to
# rel.tol 1e-12 (1e-11, 1e-10 if nlminb reports singular convergence) so that the analysis
# fit's optimum, not its stopping rule, sets the digits; LS means by emmeans ~ THERAPY | VISIT
# (BASVAL at its mean over the analysed rows, SITE levels weighted equally: emmeans' default
# "equal" = trialkit's lsmeans_weights = "equal"), contrasts trt.vs.ctrl (each dose arm minus
# Placebo) by VISIT. Returned per visit: trt_<Low|High>_<visit> and lsm_<arm>_<visit>, each
# with the MMRM's estimate, SE and KR df.
# Pooled by rbmi pool() (jackknife SE, normal reference, df empty); the full-data analysis
# (ana$results[[1]]: the MMRM on the conditional-mean imputed data set of all subjects) is
# written too ("full": the per-data-set estimate, SE and KR df, before pooling).
# needs the R packages mmrm, emmeans and rbmi on the library path, e.g. through R_LIBS
suppressMessages({library(rbmi); library(mmrm); library(emmeans); library(jsonlite)})
cat("R:", R.version.string, "\nrbmi:", as.character(packageVersion("rbmi")), "\nmmrm:",
    as.character(packageVersion("mmrm")), "\nemmeans:", as.character(packageVersion("emmeans")), "\n")
t_all <- Sys.time()
raw <- read.csv("../karm/data3.csv", stringsAsFactors = FALSE)
visits <- c("W4", "W8", "W12", "W16")
arms <- c("Placebo", "Low Dose", "High Dose")
dat <- data.frame(PATIENT = factor(raw$USUBJID), VISIT = factor(raw$VISIT, levels = visits),
                  THERAPY = factor(raw$ARM, levels = arms), BASVAL = raw$BASE,
                  SITE = factor(raw$SITE), CHANGE = raw$Y)
dat <- expand_locf(dat, PATIENT = levels(dat$PATIENT), VISIT = visits,
                   vars = c("BASVAL", "THERAPY", "SITE"), group = c("PATIENT"), order = c("PATIENT", "VISIT"))
miss <- dat[is.na(dat$CHANGE), c("PATIENT", "VISIT")]
miss <- miss[order(miss$PATIENT, miss$VISIT), ]
obs <- !is.na(dat$CHANGE)
last_obs <- tapply(as.integer(dat$VISIT)[obs], droplevels(dat$PATIENT[obs]), max)
# dropout: the first missing visit after the last observed one (subjects never observed: from W4)
lo <- last_obs[as.character(miss$PATIENT)]
lo[is.na(lo)] <- 0
after <- miss[as.integer(miss$VISIT) > lo, ]
first <- after[!duplicated(after$PATIENT), ]
cat("subjects:", nlevels(dat$PATIENT), " missing values:", sum(!obs), " dropouts:", nrow(first), "\n")
print(table(dat$THERAPY[!duplicated(dat$PATIENT)], dat$SITE[!duplicated(dat$PATIENT)]))

n_fits <- 0
tol_used <- c()
tight_mmrm <- function(formula, data) {
  for (tol in c(1e-12, 1e-11, 1e-10)) {
    fit <- tryCatch(mmrm(formula, data = data, reml = TRUE, method = "Kenward-Roger",
                         vcov = "Kenward-Roger-Linear", optimizer = "nlminb",
                         optimizer_control = list(rel.tol = tol, iter.max = 5000, eval.max = 10000)),
                    error = function(e) NULL)
    if (!is.null(fit)) {
      n_fits <<- n_fits + 1
      tol_used <<- c(tol_used, tol)
      return(fit)
    }
  }
  stop("no tight fit")
}
short <- function(a) sub(" Dose", "", a)
karm_mmrm <- function(formula) {
  force(formula)
  function(data, vars) {
    fit <- tight_mmrm(formula, data)
    em <- emmeans(fit, ~ THERAPY | VISIT, weights = "equal")
    lsm <- as.data.frame(summary(em))
    dif <- as.data.frame(summary(contrast(em, "trt.vs.ctrl", adjust = "none")))
    res <- list()
    for (v in visits) {
      for (a in arms[-1]) {
        r <- dif[dif$VISIT == v & dif$contrast == paste(a, "- Placebo"), ]
        stopifnot(nrow(r) == 1)
        res[[paste0("trt_", short(a), "_", v)]] <- list(est = r$estimate, se = r$SE, df = r$df)
      }
      for (a in arms) {
        r <- lsm[lsm$VISIT == v & lsm$THERAPY == a, ]
        stopifnot(nrow(r) == 1)
        res[[paste0("lsm_", short(a), "_", v)]] <- list(est = r$emmean, se = r$SE, df = r$df)
      }
    }
    res
  }
}
out <- list(`_about` = paste("rbmi method_condmean(type='jackknife') on tests/reference/karm/data3.csv with PATIENT=USUBJID, VISIT=VISIT (W4<W8<W12<W16),",
  "THERAPY=ARM (Placebo, Low Dose, High Dose), BASVAL=BASE, SITE=SITE, CHANGE=Y; imputation model CHANGE ~ BASVAL*VISIT + THERAPY*VISIT [+ SITE for JR_site], us(VISIT|PATIENT);",
  "references Low Dose->Placebo, High Dose->Placebo; analysis of every imputed data set: mmrm(CHANGE ~ [SITE +] BASVAL*VISIT + THERAPY*VISIT + us(VISIT|PATIENT)), REML,",
  "Kenward-Roger df (vcov Kenward-Roger-Linear), emmeans ~ THERAPY | VISIT (equal weights), trt.vs.ctrl;",
  "parameters trt_<Low|High>_<visit> = arm - Placebo, lsm_<arm>_<visit> = LS mean; pooled by jackknife (se), df = Inf (rbmi condmean);",
  "full = the analysis of the full-data conditional mean imputation (estimate, SE, KR df of that one MMRM)"),
  made = format(Sys.time(), tz = "UTC", usetz = TRUE),
  versions = list(R = R.version.string, rbmi = as.character(packageVersion("rbmi")),
                  mmrm = as.character(packageVersion("mmrm")), emmeans = as.character(packageVersion("emmeans"))))
out$dropouts <- list(PATIENT = as.character(first$PATIENT), VISIT = as.character(first$VISIT))
base_formula <- CHANGE ~ BASVAL * VISIT + THERAPY * VISIT + us(VISIT | PATIENT)
site_formula <- CHANGE ~ SITE + BASVAL * VISIT + THERAPY * VISIT + us(VISIT | PATIENT)
for (case in c("MAR", "JR", "JR_site")) {
  t0 <- Sys.time()
  n_fits <- 0
  tol_used <- c()
  site <- grepl("_site", case)
  vars <- set_vars(outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY",
                   covariates = c("BASVAL*VISIT", "THERAPY*VISIT", if (site) "SITE"))
  ice <- data.frame(PATIENT = first$PATIENT, VISIT = first$VISIT, strategy = sub("_site", "", case))
  d <- draws(data = dat, data_ice = ice, vars = vars, quiet = TRUE,
             method = method_condmean(type = "jackknife"))
  imp <- impute(d, references = c("Placebo" = "Placebo", "Low Dose" = "Placebo", "High Dose" = "Placebo"))
  ana <- analyse(imp, fun = karm_mmrm(if (site) site_formula else base_formula), vars = vars)
  p <- as.data.frame(pool(ana))
  full <- ana$results[[1]]
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  cat("\n", case, "(", format(secs), "secs;", n_fits, "analysis MMRM fits; nlminb rel.tol used:",
      paste(names(table(tol_used)), table(tol_used), sep = " x ", collapse = ", "), ")\n")
  print(p, digits = 10)
  cat("full-data analysis (per data set: estimate, SE, KR df)\n")
  fd <- data.frame(parameter = names(full), est = sapply(full, `[[`, "est"),
                   se = sapply(full, `[[`, "se"), df = sapply(full, `[[`, "df"), row.names = NULL)
  print(fd, digits = 10)
  out[[case]] <- list(parameter = p$parameter, est = p$est, se = p$se, lci = p$lci, uci = p$uci,
                      pval = p$pval, df = p$df, seconds = secs,
                      full = list(parameter = fd$parameter, est = fd$est, se = fd$se, df = fd$df))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "karm_rbmi_mmrm_reference.json")
cat("\nwritten karm_rbmi_mmrm_reference.json; total", format(difftime(Sys.time(), t_all, units = "secs")), "\n")
