# The full-data conditional-mean imputation of case JR_site of make_karm_mmrm_reference.R
# (rbmi, imputation model CHANGE ~ BASVAL*VISIT + THERAPY*VISIT + SITE, us, JR, both dose arms
# referencing Placebo), written as a data set (karm_jr_site_imputed.csv), and the analysis MMRM
# of make_karm_mmrm_reference.R fitted to it in R (the same numbers as that script's "full"
# block of JR_site): lets a test fit trialkit's MMRM to rbmi's own imputed values, separating
# the analysis model's agreement from the imputation's. The JSON also holds rbmi's full-data
# imputation-model fit (d$samples[[1]]: beta and the 4 x 4 covariance, column-major), whose
# REML log-likelihood a test evaluates in trialkit's likelihood.
# Regenerate: R_LIBS=/work/rlib Rscript make_karm_mmrm_imputed.R > make_karm_mmrm_imputed.out 2>&1
src <- readLines("make_karm_mmrm_reference.R")
eval(parse(text = src[1:(grep("^for \\(case", src) - 1)]))  # data, events, analysis function
vars <- set_vars(outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY",
                 covariates = c("BASVAL*VISIT", "THERAPY*VISIT", "SITE"))
ice <- data.frame(PATIENT = first$PATIENT, VISIT = first$VISIT, strategy = "JR")
d <- draws(data = dat, data_ice = ice, vars = vars, quiet = TRUE, method = method_condmean(type = "jackknife"))
imp <- impute(d, references = c("Placebo" = "Placebo", "Low Dose" = "Placebo", "High Dose" = "Placebo"))
full <- extract_imputed_dfs(imp, index = 1, idmap = TRUE)[[1]]
idmap <- attr(full, "idmap")  # rbmi's new_pt_<i> -> the original PATIENT
full$PATIENT <- factor(idmap[as.character(full$PATIENT)], levels = levels(dat$PATIENT))
full <- full[order(full$PATIENT, full$VISIT), ]
write.csv(data.frame(USUBJID = full$PATIENT, ARM = full$THERAPY, VISIT = full$VISIT, BASE = full$BASVAL,
                     SITE = full$SITE, Y = sprintf("%.17g", full$CHANGE)),
          "karm_jr_site_imputed.csv", row.names = FALSE, quote = FALSE)
res <- karm_mmrm(site_formula)(full, vars)
fd <- data.frame(parameter = names(res), est = sapply(res, `[[`, "est"), se = sapply(res, `[[`, "se"),
                 df = sapply(res, `[[`, "df"), row.names = NULL)
print(fd, digits = 15)
writeLines(toJSON(list(`_about` = "analysis MMRM of make_karm_mmrm_reference.R on karm_jr_site_imputed.csv (rbmi's full-data JR_site imputation)",
                       parameter = fd$parameter, est = fd$est, se = fd$se, df = fd$df,
                       imputation_fit = list(beta = d$samples[[1]]$beta, sigma = as.vector(d$samples[[1]]$sigma[[1]]))), digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "karm_jr_site_imputed_mmrm.json")
cat("written karm_jr_site_imputed.csv, karm_jr_site_imputed_mmrm.json\n")
