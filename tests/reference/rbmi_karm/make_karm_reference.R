# k-arm reference-based imputation references on ../karm/data3.csv (3 arms: Placebo, Low Dose,
# High Dose), from rbmi (openpharma) with conditional mean imputation + jackknife (deterministic).
# Imputation model: one MMRM with all three arms, CHANGE ~ BASVAL*VISIT + THERAPY*VISIT, unstructured
# covariance (rbmi's default, one covariance for all arms).
# Analysis of every imputed data set: ANCOVA per visit with all three arms in one model,
# CHANGE ~ THERAPY + BASVAL (lm, residual df n - 4), contrasts Low Dose - Placebo and
# High Dose - Placebo (rbmi's built-in ancova() takes two arms only, so the same model is
# passed to analyse() as a user function, as rbmi's documentation describes for custom analyses),
# and the LS mean of each arm at the visit's mean BASVAL.
# Monotone dropout: the intercurrent event is the first missing visit after the last observed one;
# intermittent missing values stay MAR. Strategies MAR and JR (both treatment arms reference Placebo).
# needs the R packages mmrm and rbmi on the library path, e.g. through R_LIBS
suppressMessages({library(rbmi); library(jsonlite)})
cat("R:", R.version.string, "\nrbmi:", as.character(packageVersion("rbmi")), "\nmmrm:", as.character(packageVersion("mmrm")), "\n")
raw <- read.csv("../karm/data3.csv", stringsAsFactors = FALSE)
visits <- c("W4", "W8", "W12", "W16")
arms <- c("Placebo", "Low Dose", "High Dose")
dat <- data.frame(PATIENT = factor(raw$USUBJID), VISIT = factor(raw$VISIT, levels = visits),
                  THERAPY = factor(raw$ARM, levels = arms), BASVAL = raw$BASE, CHANGE = raw$Y)
dat <- expand_locf(dat, PATIENT = levels(dat$PATIENT), VISIT = visits,
                   vars = c("BASVAL", "THERAPY"), group = c("PATIENT"), order = c("PATIENT", "VISIT"))
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
print(table(dat$THERAPY[!duplicated(dat$PATIENT)]))
vars <- set_vars(outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY",
                 covariates = c("BASVAL*VISIT", "THERAPY*VISIT"))
karm_ancova <- function(data, vars) {
  res <- list()
  for (v in visits) {
    d <- data[data$VISIT == v, ]
    m <- lm(CHANGE ~ THERAPY + BASVAL, data = d)
    b <- coef(m); V <- vcov(m)
    for (a in arms[-1]) {
      nm <- paste0("THERAPY", a)
      res[[paste0("trt_", sub(" Dose", "", a), "_", v)]] <- list(est = b[[nm]], se = sqrt(V[nm, nm]), df = df.residual(m))
    }
    for (a in arms) {
      x <- c(1, as.numeric(arms[-1] == a), mean(d$BASVAL))
      res[[paste0("lsm_", sub(" Dose", "", a), "_", v)]] <- list(est = sum(x * b), se = sqrt(drop(t(x) %*% V %*% x)), df = df.residual(m))
    }
  }
  res
}
out <- list(`_about` = paste("rbmi method_condmean(type='jackknife') on tests/reference/karm/data3.csv with PATIENT=USUBJID, VISIT=VISIT (W4<W8<W12<W16),",
  "THERAPY=ARM (Placebo, Low Dose, High Dose), BASVAL=BASE, CHANGE=Y; imputation model CHANGE ~ BASVAL*VISIT + THERAPY*VISIT, us(VISIT|PATIENT);",
  "references Low Dose->Placebo, High Dose->Placebo; analysis ANCOVA per visit CHANGE ~ THERAPY + BASVAL with all arms (user analysis function);",
  "parameters trt_<Low|High>_<visit> = arm - Placebo, lsm_<arm>_<visit> = LS mean at the visit's mean BASVAL; pooled by jackknife (se), df = Inf (rbmi condmean)"),
  made = format(Sys.time(), tz = "UTC", usetz = TRUE),
  versions = list(R = R.version.string, rbmi = as.character(packageVersion("rbmi")), mmrm = as.character(packageVersion("mmrm"))))
out$dropouts <- list(PATIENT = as.character(first$PATIENT), VISIT = as.character(first$VISIT))
# JR_groupcov: JR with one covariance matrix per arm in the imputation model (same_cov = FALSE)
for (strategy in c("MAR", "JR", "JR_groupcov")) {
  t0 <- Sys.time()
  ice <- data.frame(PATIENT = first$PATIENT, VISIT = first$VISIT, strategy = sub("_groupcov", "", strategy))
  d <- draws(data = dat, data_ice = ice, vars = vars, quiet = TRUE,
             method = method_condmean(type = "jackknife", same_cov = !grepl("groupcov", strategy)))
  imp <- impute(d, references = c("Placebo" = "Placebo", "Low Dose" = "Placebo", "High Dose" = "Placebo"))
  ana <- analyse(imp, fun = karm_ancova, vars = vars)
  p <- as.data.frame(pool(ana))
  cat("\n", strategy, "(", format(difftime(Sys.time(), t0, units = "secs")), ")\n")
  print(p, digits = 10)
  out[[strategy]] <- list(parameter = p$parameter, est = p$est, se = p$se, lci = p$lci, uci = p$uci, pval = p$pval, df = p$df)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "karm_rbmi_reference.json")
cat("\nwritten karm_rbmi_reference.json\n")
