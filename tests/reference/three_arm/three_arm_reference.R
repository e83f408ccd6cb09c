# Reference values for the k-arm summaries on the SYNTHETIC three-arm trial
# (tests/data/three_arm/three_arm_long.csv): per arm the baseline means/SDs, standardised
# differences of each arm vs placebo, Welch t-tests and chi-square tests of each arm vs
# placebo, and Fisher's exact test of differential attrition of each arm vs placebo at each
# post-baseline visit. Run from the repository root (see PROVENANCE.md in this folder):
#   Rscript tests/reference/three_arm/three_arm_reference.R > tests/reference/three_arm/three_arm_reference.Rout
# Writes tests/reference/three_arm/three_arm_reference.json. Base R and jsonlite only.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/reference/three_arm"
d <- read.csv("tests/data/three_arm/three_arm_long.csv", na.strings = "", stringsAsFactors = FALSE)
s <- d[d$week == 0, ]  # one row per subject; the baseline visit carries the baseline outcome
ctl <- "Placebo"; others <- c("Low Dose", "High Dose")
smd_cont <- function(x1, x2) (mean(x2, na.rm = TRUE) - mean(x1, na.rm = TRUE)) /
  sqrt((var(x1, na.rm = TRUE) + var(x2, na.rm = TRUE)) / 2)
smd_prop <- function(p1, p2) (p2 - p1) / sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
# fisher_tight(): fisher.test's conditional MLE and exact CI with a tight uniroot tolerance
# (shared with tests/reference/summaries/summaries_reference.R).
source("tests/reference/summaries/fisher_tight.R")

out <- list(`_about` = paste("R", R.version$major, R.version$minor))
out$baseline <- list()
for (arm in c(ctl, others)) {
  a <- s[s$arm == arm, ]
  out$baseline[[arm]] <- list(age_mean = mean(a$age), age_sd = sd(a$age),
                              score_mean = mean(a$score), score_sd = sd(a$score))
}
out$comparisons <- list()
for (arm in others) {
  x1 <- s[s$arm == ctl, ]; x2 <- s[s$arm == arm, ]
  tab <- table(factor(c(x1$sex, x2$sex)), rep(c(ctl, arm), c(nrow(x1), nrow(x2))))
  out$comparisons[[arm]] <- list(
    smd_age = smd_cont(x1$age, x2$age),
    smd_score = smd_cont(x1$score, x2$score),
    smd_pain = smd_cont(x1$pain, x2$pain),
    smd_sex = smd_prop(mean(x1$sex == "Male"), mean(x2$sex == "Male")),
    p_age = t.test(x2$age, x1$age)$p.value,
    p_sex = chisq.test(tab, correct = FALSE)$p.value)
}
out$fisher <- list()
for (arm in others) for (w in c(4, 8)) {
  miss <- function(a) sum(is.na(d$score[d$arm == a & d$week == w]))
  n <- function(a) sum(d$arm == a & d$week == w)
  tab <- matrix(c(miss(arm), n(arm) - miss(arm), miss(ctl), n(ctl) - miss(ctl)), 2, byrow = TRUE)
  ft <- fisher.test(tab); tight <- fisher_tight(tab)
  cat(arm, "week", w, "\n"); print(tab); print(ft)
  out$fisher[[paste(arm, w)]] <- list(table = tab, p_value = ft$p.value, estimate = tight$estimate,
    ci_lower = tight$ci_lower, ci_upper = tight$ci_upper)
}
str(out)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "three_arm_reference.json"))
