# Table 14-3.01 of the CDISC SDTM/ADaM pilot (CDISCPILOT01), reproduced with lm + emmeans
# from the files trialkit ships in sample_data/adam_pilot/.
#
#   Rscript table_14_3_01.R > table_14_3_01.out
#
# Analysis (the pilot's analysis results metadata, as programmed in the R Consortium
# submission pilot 1, R/eff_models.R): efficacy population (EFFFL = "Y"), PARAMCD "ACTOT",
# analysis records (ANL01FL = "Y") at Week 24 (AVISITN = 24), LOCF records included;
# ANCOVA  CHG ~ treatment + SITEGR1 + BASE;  LS means with proportional weights (SAS OM);
# pairwise differences without multiplicity adjustment; the dose-response p is the t test
# (= type III F test) of TRTPN as a continuous variable in  CHG ~ TRTPN + SITEGR1 + BASE.
suppressPackageStartupMessages({
  library(haven)
  library(emmeans)
  library(jsonlite)
})
dir <- file.path("..", "..", "..", "sample_data", "adam_pilot")
adsl <- read_xpt(file.path(dir, "adsl.xpt"))
adas <- read_xpt(file.path(dir, "adqsadas.xpt"))
eff <- adsl$USUBJID[adsl$EFFFL == "Y"]
d <- subset(adas, USUBJID %in% eff & PARAMCD == "ACTOT" & ANL01FL == "Y" & AVISITN == 24)
d <- as.data.frame(d)
# SITEGR1 and the arm from ADSL (the same values as on the BDS records)
d$SITEGR1 <- adsl$SITEGR1[match(d$USUBJID, adsl$USUBJID)]
d$TRT01P <- adsl$TRT01P[match(d$USUBJID, adsl$USUBJID)]
d$TRT01PN <- adsl$TRT01PN[match(d$USUBJID, adsl$USUBJID)]
arms <- c("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")
d$TRT <- factor(d$TRT01P, levels = arms)
d$SITEGR1 <- factor(d$SITEGR1)
cat("Week 24 records by arm and DTYPE:\n")
print(table(d$TRT, ifelse(d$DTYPE == "", "observed", d$DTYPE)))

cat("\nDescriptive (n, mean, SD) of CHG at Week 24:\n")
desc <- do.call(rbind, lapply(arms, function(a) {
  x <- d$CHG[d$TRT == a]
  data.frame(arm = a, n = length(x), mean = mean(x), sd = sd(x))
}))
print(desc, digits = 10)

dose_fit <- lm(CHG ~ TRT01PN + SITEGR1 + BASE, data = d)
dose <- summary(dose_fit)$coefficients["TRT01PN", ]
cat("\nDose response (TRT01PN continuous):\n")
print(dose, digits = 12)
cat("drop1 F test p:", format(drop1(dose_fit, ~TRT01PN, test = "F")[2, "Pr(>F)"], digits = 12), "\n")

fit <- lm(CHG ~ TRT + SITEGR1 + BASE, data = d)
lsm <- emmeans(fit, ~TRT, weights = "proportional")
cat("\nLS means (proportional weights):\n")
print(summary(lsm), digits = 10)
pw <- summary(contrast(lsm, method = "revpairwise", adjust = "none"), infer = c(TRUE, TRUE))
cat("\nPairwise differences (later arm minus earlier arm):\n")
print(pw, digits = 10)

# Record accounting (what trialkit's ADaM reader must count)
allrec <- subset(adas, USUBJID %in% eff & PARAMCD == "ACTOT")
anl <- subset(allrec, ANL01FL == "Y")
accounting <- list(
  adsl_subjects = nrow(adsl),
  efficacy_subjects = length(eff),
  outside_population = as.list(table(adsl$TRT01P[adsl$EFFFL != "Y"])),
  actot_records = nrow(allrec),
  not_flagged = sum(allrec$ANL01FL != "Y"),
  analysis_derived = as.list(table(anl$DTYPE[anl$DTYPE != ""])),
  week24_observed = as.list(table(factor(d$TRT01P[d$DTYPE == ""], levels = arms))),
  # CONSORT withdrawals of the efficacy population: EOSSTT, reason DCSREAS, by arm
  withdrew = lapply(setNames(arms, arms), function(a) {
    w <- adsl[adsl$EFFFL == "Y" & adsl$TRT01P == a & adsl$EOSSTT == "DISCONTINUED", ]
    as.list(table(w$DCSREAS))
  }),
  # observed (not derived) post-baseline analysis records: what an MMRM may use
  post_baseline_observed = as.list(table(factor(
    adsl$TRT01P[match(anl$USUBJID[anl$DTYPE == "" & anl$ABLFL != "Y"], adsl$USUBJID)],
    levels = arms
  )))
)
cat("\nRecord accounting:\n")
str(accounting)

ls <- summary(lsm)
out <- list(
  `_about` = paste(
    "CDISC pilot Table 14-3.01 reproduced with R lm + emmeans (proportional weights) from",
    "sample_data/adam_pilot (efficacy population, ACTOT, ANL01FL = Y, Week 24, LOCF included);",
    "ANCOVA CHG ~ arm + SITEGR1 + BASE; dose response: TRT01PN continuous in the same ANCOVA."
  ),
  r_version = R.version.string,
  emmeans_version = as.character(packageVersion("emmeans")),
  haven_version = as.character(packageVersion("haven")),
  n_obs = nrow(d),
  df_residual = fit$df.residual,
  descriptive = desc,
  accounting = accounting,
  lsmeans = data.frame(arm = as.character(ls$TRT), estimate = ls$emmean, std_error = ls$SE,
                       df = ls$df, ci_lower = ls$lower.CL, ci_upper = ls$upper.CL),
  differences = data.frame(comparison = as.character(pw$contrast), estimate = pw$estimate,
                           std_error = pw$SE, df = pw$df, ci_lower = pw$lower.CL,
                           ci_upper = pw$upper.CL, t_value = pw$t.ratio, p_value = pw$p.value),
  trend = list(estimate = unname(dose["Estimate"]), std_error = unname(dose["Std. Error"]),
               df = dose_fit$df.residual, t_value = unname(dose["t value"]),
               p_value = unname(dose["Pr(>|t|)"]))
)
write_json(out, "table_14_3_01.json", digits = NA, pretty = TRUE, auto_unbox = TRUE)
cat("\nsessionInfo:\n")
print(sessionInfo()[c("R.version", "platform")]$R.version$version.string)
