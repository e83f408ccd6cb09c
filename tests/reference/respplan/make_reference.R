# End-to-end reference for `trialkit analyze` on tests/data/respplan/dbt_responders.toml
# (the SYNTHETIC sample trial, sample_data/dbt_trial_long.csv): the two responder outcomes
# (beeca g-computation, Newcombe CI, counts), the MMRM week-21 differences of the two
# continuous confirmatory outcomes (nlme::gls, unstructured covariance, REML, residual df as
# the test plan's df_method = "residual"), and the graphical procedure over the four
# confirmatory p-values (graphicalMCP). Every number is computed here from the raw data.
# Regenerate (from this directory):
#   R_LIBS=<library with beeca 0.2.0 and graphicalMCP 0.2.5> Rscript make_reference.R > make_reference.out 2>&1
suppressPackageStartupMessages({
  library(beeca)
  library(sandwich)
  library(nlme)
  library(graphicalMCP)
  library(jsonlite)
})
cat("R:", R.version.string, "\n")
for (p in c("beeca", "sandwich", "nlme", "graphicalMCP", "jsonlite")) {
  cat(p, as.character(packageVersion(p)), "\n")
}
ctrl <- glm.control(epsilon = 1e-14, maxit = 100)
CONTROL <- "Standard care"
TREAT <- "DBT + standard care"

d <- read.csv("../../../sample_data/dbt_trial_long.csv", na.strings = "")
d$arm <- factor(d$arm, levels = c(CONTROL, TREAT))
base <- d[d$week == 0, c("participant_id", "ders", "pain_intensity", "depression")]
names(base) <- c("participant_id", "ders0", "pain0", "depression0")
post <- merge(d[d$week != 0, ], base, by = "participant_id")
post$pain_resp <- as.integer(post$pain_intensity - post$pain0 <= -2)  # improvement >= 2
post$ders_low <- as.integer(post$ders <= 45)

wilson <- function(x, n, z = qnorm(0.975)) {
  p <- x / n
  c((2 * x + z^2 - z * sqrt(z^2 + 4 * x * (1 - p))) / (2 * (n + z^2)),
    (2 * x + z^2 + z * sqrt(z^2 + 4 * x * (1 - p))) / (2 * (n + z^2)))
}
newcombe <- function(x1, n1, x2, n2) {  # as tests/reference/beeca/newcombe.R
  p1 <- x1 / n1; p2 <- x2 / n2; w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
  dd <- p1 - p2
  c(estimate = dd, lower = dd - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
    upper = dd + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}

z <- qnorm(0.975)
responder <- function(name, resp, covs, method, type) {
  out <- list()
  for (v in c(9, 21)) {
    dv <- post[post$week == v, c("participant_id", "arm", resp, covs)]
    names(dv)[3] <- "resp"
    dv <- dv[complete.cases(dv), ]
    x <- tapply(dv$resp, dv$arm, sum); n <- tapply(dv$resp, dv$arm, length)
    nc <- newcombe(x[[TREAT]], n[[TREAT]], x[[CONTROL]], n[[CONTROL]])
    f <- as.formula(paste("resp ~ arm +", paste(covs, collapse = " + ")))
    fit <- glm(f, family = "binomial", data = dv, control = ctrl)
    eff <- list()
    for (contrast in c("diff", "logrr", "logor")) {
      me <- get_marginal_effect(fit, trt = "arm", method = method, type = type,
                                contrast = contrast, reference = CONTROL)
      est <- unname(me$marginal_est); se <- unname(me$marginal_se)
      zval <- est / se
      if (contrast == "diff") {
        eff[["risk difference"]] <- list(estimate = est, std_error = se, ci_lower = est - z * se,
          ci_upper = est + z * se, p_value = 2 * pnorm(-abs(zval)))
      } else {
        m <- if (contrast == "logrr") "risk ratio" else "odds ratio"
        eff[[m]] <- list(estimate = exp(est), log_std_error = se, ci_lower = exp(est - z * se),
          ci_upper = exp(est + z * se), p_value = 2 * pnorm(-abs(zval)))
      }
    }
    cat(sprintf("\n%s week %d (%s %s): n = %d\n", name, v, method, type, nrow(dv)))
    print(data.frame(arm = names(x), responders = as.vector(x), n = as.vector(n)))
    print(round(nc, 10))
    for (m in names(eff)) { cat(m, "\n"); print(unlist(eff[[m]]), digits = 12) }
    out[[as.character(v)]] <- list(
      n_responders = as.list(x), n_with_data = as.list(n),
      unadjusted = as.list(nc), effects = eff)
  }
  out
}
pain <- responder("pain_response", "pain_resp", c("pain0", "age"), "Ye", "HC0")
ders <- responder("ders_low", "ders_low", c("ders0"), "Ge", "HC0")

mmrm_week21 <- function(outcome) {
  dv <- post[, c("participant_id", "arm", "week", outcome, paste0(outcome, "0"))]
  names(dv)[4:5] <- c("y", "y0")
  dv <- dv[complete.cases(dv), ]
  dv$week <- factor(dv$week, levels = c(9, 21))
  dv$t <- as.integer(dv$week)
  fit <- gls(y ~ arm * week + y0 * week, data = dv, method = "REML",
             correlation = corSymm(form = ~ t | participant_id),
             weights = varIdent(form = ~ 1 | week),
             control = glsControl(tolerance = 1e-10, msTol = 1e-10, maxIter = 500,
                                  msMaxIter = 500))
  b <- coef(fit); V <- vcov(fit)
  L <- setNames(numeric(length(b)), names(b))
  L[paste0("arm", TREAT)] <- 1
  L[paste0("arm", TREAT, ":week21")] <- 1
  est <- sum(L * b); se <- sqrt(drop(t(L) %*% V %*% L))
  df <- nrow(dv) - length(b)
  p <- 2 * pt(-abs(est / se), df)
  cat(sprintf("\nMMRM %s week 21: n_obs = %d, estimate %.10f, SE %.10f, df %d, p %.10g\n",
              outcome, nrow(dv), est, se, df, p))
  list(estimate = est, std_error = se, df = df, p_value = p, n_obs = nrow(dv))
}
mmrm <- list(ders = mmrm_week21("ders"), depression = mmrm_week21("depression"))

# the graph of the test plan: H1 ders (MMRM), H2 pain_response (RD), H3 depression (MMRM),
# H4 ders_low (OR), all at week 21
p <- c(H1 = mmrm$ders$p_value, H2 = pain[["21"]]$effects[["risk difference"]]$p_value,
       H3 = mmrm$depression$p_value, H4 = ders[["21"]]$effects[["odds ratio"]]$p_value)
w <- c(0.5, 0.5, 0, 0)
G <- rbind(c(0, 0, 1, 0), c(0, 0, 0, 1), c(0, 1, 0, 0), c(1, 0, 0, 0))
g <- graph_create(w, G, names(p))
gt <- graph_test_shortcut(g, p, alpha = 0.05, verbose = TRUE)
print(gt)
graph <- list(p = as.list(p), adjusted_p = as.list(gt$outputs$adjusted_p),
              rejected = as.list(gt$outputs$rejected),
              rejection_sequence = as.character(gt$details$del_seq))

write(toJSON(list(responders = list(pain_response = pain, ders_low = ders), mmrm = mmrm,
                  graph = graph), auto_unbox = TRUE, digits = NA, pretty = TRUE),
      "respplan_reference.json")
cat("\nwrote respplan_reference.json\n")
