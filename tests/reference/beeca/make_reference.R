# g-computation references for trialkit.models.responder from R beeca (openpharma/beeca).
# Datasets: beeca's trial01 (2 arms) and trial02_cdisc (3 arms, CDISC pilot), and
# simulated.csv (3 arms x 3 visits, simulated below with a fixed seed).
# Regenerate (from this directory):
#   R_LIBS=/work/rlib Rscript make_reference.R > make_reference.out 2>&1
suppressPackageStartupMessages({
  library(beeca)
  library(sandwich)
  library(jsonlite)
})
cat("R:", R.version.string, "\n")
for (p in c("beeca", "sandwich", "dplyr", "jsonlite")) cat(p, as.character(packageVersion(p)), "\n")
ctrl <- glm.control(epsilon = 1e-14, maxit = 100)  # tight IRLS so coefficients agree at 1e-6+

# ---- data ---------------------------------------------------------------------------------
t1 <- as.data.frame(trial01)
t1$trtp <- factor(t1$trtp)
write.csv(t1, "trial01.csv", row.names = FALSE, na = "")
t2 <- as.data.frame(trial02_cdisc)
t2$TRTP <- factor(t2$TRTP, levels = c("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"))
write.csv(t2[, c("USUBJID", "TRTP", "AGE", "SEX", "RACE", "AVAL")], "trial02_cdisc.csv",
          row.names = FALSE, na = "")

set.seed(20261130)
n <- 240
arm <- factor(sample(rep(c("Placebo", "Low", "High"), each = n / 3)),
              levels = c("Placebo", "Low", "High"))
base <- round(rnorm(n, 30, 6), 1)
region <- sample(c("EU", "NAM", "ASIA"), n, replace = TRUE, prob = c(.5, .3, .2))
strat <- ifelse(base > 30, "severe", "moderate")
eff <- c(Placebo = 0, Low = -5, High = -10)[as.character(arm)]
u <- rnorm(n, 0, 4)
sim <- do.call(rbind, lapply(1:3, function(v) {
  aval <- round(base + eff * v / 3 - 2 * v + 0.3 * (base - 30) + u + rnorm(n, 0, 6), 1)
  drop <- runif(n) < 0.06 * v
  aval[drop] <- NA
  data.frame(USUBJID = sprintf("S%03d", 1:n), ARM = arm, AVISIT = paste0("Week ", 4 * v),
             BASE = base, REGION = region, STRAT = strat, AVAL = aval)
}))
sim$REGION[sim$USUBJID == "S007"] <- NA  # one subject with a missing covariate
sim <- sim[!(sim$USUBJID == "S011" & sim$AVISIT == "Week 8"), ]  # one record absent
write.csv(sim, "simulated.csv", row.names = FALSE, na = "")
sim$RESP <- as.integer(sim$AVAL - sim$BASE <= -10)
sim$REGION <- factor(sim$REGION, levels = c("ASIA", "EU", "NAM"))

# ---- reference values ---------------------------------------------------------------------
methods <- list(
  list(label = "Ge HC0", method = "Ge", type = "HC0", mod = FALSE, strata = NULL),
  list(label = "Ge HC1", method = "Ge", type = "HC1", mod = FALSE, strata = NULL),
  list(label = "Ge HC2", method = "Ge", type = "HC2", mod = FALSE, strata = NULL),
  list(label = "Ge HC3", method = "Ge", type = "HC3", mod = FALSE, strata = NULL),
  list(label = "Ge model-based", method = "Ge", type = "model-based", mod = FALSE, strata = NULL),
  list(label = "Ye", method = "Ye", type = "HC0", mod = FALSE, strata = NULL),
  list(label = "Ye mod", method = "Ye", type = "HC0", mod = TRUE, strata = NULL)
)
one_case <- function(name, visit, formula, data, trt, reference, strata = NULL) {
  mf <- model.frame(formula, data)  # complete cases, as glm uses
  fit <- glm(formula, family = "binomial", data = data, control = ctrl)
  out <- list(dataset = name, visit = visit, formula = deparse(formula), n = nrow(mf),
              coefficients = as.list(coef(fit)),
              coef_se = as.list(sqrt(diag(vcov(fit)))), results = list())
  ms <- methods
  if (!is.null(strata)) {
    ms <- c(ms, list(list(label = paste("Ye strata", paste(strata, collapse = "+")),
                          method = "Ye", type = "HC0", mod = FALSE, strata = strata)))
  }
  for (m in ms) {
    res <- list(variance = m$label)
    for (contrast in c("diff", "rr", "or", "logrr", "logor")) {
      me <- suppressWarnings(get_marginal_effect(fit, trt = trt, strata = m$strata,
        method = m$method, type = m$type, contrast = contrast, reference = reference,
        mod = m$mod))
      res[[contrast]] <- list(comparison = attr(me$marginal_est, "contrast"),
                              estimate = unname(me$marginal_est), se = unname(me$marginal_se))
    }
    res$risk <- as.list(me$counterfactual.means)
    res$risk_se <- as.list(sqrt(diag(me$robust_varcov)))
    res$varcov <- unname(me$robust_varcov)
    cat(sprintf("\n%s %s [%s] n=%d\n", name, visit, m$label, nrow(mf)))
    print(me$marginal_results[, c("TRTVAL", "STAT", "STATVAL")], n = 100)
    out$results[[length(out$results) + 1]] <- res
  }
  out
}
cases <- list(
  one_case("trial01", "all", aval ~ trtp + bl_cov, t1, "trtp", "0"),
  one_case("trial01", "all", aval ~ trtp + bl_cov + bl_cov_c, t1, "trtp", "0",
           strata = "bl_cov_c"),
  one_case("trial02_cdisc", "all", AVAL ~ TRTP + AGE + SEX, t2, "TRTP", "Placebo"),
  one_case("trial02_cdisc", "all", AVAL ~ TRTP, t2, "TRTP", "Placebo")
)
for (v in c("Week 4", "Week 8", "Week 12")) {
  d <- sim[sim$AVISIT == v, ]
  cases[[length(cases) + 1]] <- one_case("simulated", v, RESP ~ ARM + BASE + REGION + STRAT, d,
                                         "ARM", "Placebo", strata = "STRAT")
  cat("responders", v, ":\n"); print(table(d$ARM, d$RESP, useNA = "always"))
}
write_json(list(`_about` = list(made_by = "make_reference.R", date = as.character(Sys.Date()),
                                R = R.version.string,
                                beeca = as.character(packageVersion("beeca")),
                                sandwich = as.character(packageVersion("sandwich")),
                                glm_control = "epsilon = 1e-14, maxit = 100"),
                cases = cases),
           "beeca_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("\nwrote beeca_reference.json\n")
