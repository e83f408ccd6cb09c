# Reference values for trialkit.summaries (descriptive statistics, standardised differences,
# baseline tests and Fisher's exact test of differential attrition).
# Run from the repository root (see PROVENANCE.md in this folder):
#   Rscript tests/reference/summaries/summaries_reference.R > tests/reference/summaries/summaries_reference.Rout
# Writes tests/reference/summaries/summaries_reference.json. Uses base R, MASS, e1071 and jsonlite only.
suppressPackageStartupMessages({ library(jsonlite); library(e1071) })
here <- "tests/reference/summaries"
hm <- read.csv(file.path(here, "handmade_long.csv"), na.strings = "", stringsAsFactors = FALSE)
dbt <- read.csv(file.path(here, "dbt_trial_long_snapshot.csv"), na.strings = "", stringsAsFactors = FALSE)

# One row per subject; baseline outcome from the baseline visit.
subjects <- function(d, id, visit, base, outcome) {
  s <- d[!duplicated(d[[id]]), ]
  b <- d[d[[visit]] == base, c(id, outcome)]
  names(b)[2] <- "outcome_baseline"
  merge(s, b, by = id, sort = FALSE)
}
q7 <- function(x, p) unname(quantile(x, p, type = 7, na.rm = TRUE))
describe <- function(x) {
  x <- x[!is.na(x)]
  list(n = length(x), mean = mean(x), sd = sd(x), median = median(x), q1 = q7(x, 0.25), q3 = q7(x, 0.75),
       skewness = e1071::skewness(x, type = 1))
}
smd_cont <- function(x1, x2) (mean(x2, na.rm = TRUE) - mean(x1, na.rm = TRUE)) /
  sqrt((var(x1, na.rm = TRUE) + var(x2, na.rm = TRUE)) / 2)
smd_prop <- function(p1, p2) (p2 - p1) / sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
# Yang & Dalton (2012) multi-level form, as in R tableone (MASS::ginv for singular S).
smd_multi <- function(c1, c2) {
  p1 <- (c1 / sum(c1))[-1]; p2 <- (c2 / sum(c2))[-1]
  S <- ((diag(p1, length(p1)) - outer(p1, p1)) + (diag(p2, length(p2)) - outer(p2, p2))) / 2
  d <- p2 - p1
  sqrt(as.numeric(t(d) %*% MASS::ginv(S) %*% d))
}
source(file.path(here, "fisher_tight.R"))  # fisher_tight(): tight conditional MLE + exact CI
fisher_ref <- function(tab) {
  ft <- fisher.test(tab)
  tight <- fisher_tight(tab)
  print(tab); print(ft)
  list(table = tab, p_value = ft$p.value, estimate = tight$estimate, ci_lower = tight$ci_lower,
       ci_upper = tight$ci_upper, fisher_test_estimate = unname(ft$estimate),
       fisher_test_ci = as.numeric(ft$conf.int), sample_odds_ratio = (tab[1, 1] * tab[2, 2]) / (tab[1, 2] * tab[2, 1]))
}
groups3 <- function(x, arm, trt, ctl) list(control = describe(x[arm == ctl]), treatment = describe(x[arm == trt]), overall = describe(x))

out <- list(`_about` = paste("R", R.version$major, R.version$minor, "; e1071", as.character(packageVersion("e1071"))))

## Hand-made dataset -------------------------------------------------------------------
h <- subjects(hm, "id", "week", 0, "score")
T <- "Therapy"; C <- "Usual care"
hand <- list()
for (v in c("age", "pain_years", "outcome_baseline")) hand[[v]] <- groups3(h[[v]], h$arm, T, C)
hand$smd <- list(
  age = smd_cont(h$age[h$arm == C], h$age[h$arm == T]),
  pain_years = smd_cont(h$pain_years[h$arm == C], h$pain_years[h$arm == T]),
  score_baseline = smd_cont(h$outcome_baseline[h$arm == C], h$outcome_baseline[h$arm == T]),
  sex = smd_prop(mean(h$sex[h$arm == C] == "M", na.rm = TRUE), mean(h$sex[h$arm == T] == "M", na.rm = TRUE)),
  pain_back = smd_prop(mean(h$pain_back[h$arm == C], na.rm = TRUE), mean(h$pain_back[h$arm == T], na.rm = TRUE))
)
hand$p <- list(
  age_welch = t.test(h$age[h$arm == T], h$age[h$arm == C])$p.value,
  pain_years_welch = t.test(h$pain_years[h$arm == T], h$pain_years[h$arm == C])$p.value,
  sex_fisher = fisher.test(table(h$arm, h$sex))$p.value,
  back_fisher = fisher.test(table(h$arm, h$pain_back))$p.value
)
# Completers (score observed at week 8) vs non-completers: non-completer minus completer.
comp <- hm$id[hm$week == 8 & !is.na(hm$score)]
h$completer <- h$id %in% comp
hand$completers <- list(
  age_smd = smd_cont(h$age[h$completer], h$age[!h$completer]),
  completer_age = describe(h$age[h$completer]), noncompleter_age = describe(h$age[!h$completer])
)
hand$fisher_week4 <- fisher_ref(matrix(c(2, 1, 3, 4), 2))   # rows: Therapy, Usual care; cols: missing, assessed
hand$fisher_week8 <- fisher_ref(matrix(c(2, 2, 3, 3), 2))
out$handmade <- hand

## Multi-level standardised difference and r x c chi-square -----------------------------
out$multilevel <- list(
  a = list(c1 = c(10, 20, 30), c2 = c(15, 15, 25), smd = smd_multi(c(10, 20, 30), c(15, 15, 25)),
           chisq_p = chisq.test(rbind(c(10, 20, 30), c(15, 15, 25)), correct = FALSE)$p.value),
  b = list(c1 = c(5, 0, 5, 2), c2 = c(3, 0, 7, 6), smd = smd_multi(c(5, 0, 5, 2), c(3, 0, 7, 6))),
  two = list(c1 = c(30, 10), c2 = c(20, 20), smd = smd_multi(c(30, 10), c(20, 20)),
             chisq_p = chisq.test(rbind(c(30, 10), c(20, 20)), correct = FALSE)$p.value)
)

## Sample DBT trial -------------------------------------------------------------------
d <- subjects(dbt, "participant_id", "week", 0, "ders")
Tt <- "DBT + standard care"; Cc <- "Standard care"
ctl <- d$arm == Cc; trt <- d$arm == Tt
samp <- list()
for (v in c("age", "pain_duration_years", "outcome_baseline")) samp[[v]] <- groups3(d[[v]], d$arm, Tt, Cc)
samp$smd <- list(
  age = smd_cont(d$age[ctl], d$age[trt]),
  pain_duration_years = smd_cont(d$pain_duration_years[ctl], d$pain_duration_years[trt]),
  ders_baseline = smd_cont(d$outcome_baseline[ctl], d$outcome_baseline[trt]),
  gender = smd_prop(mean(d$gender[ctl] == "Woman"), mean(d$gender[trt] == "Woman")),
  pain_neuropathic = smd_prop(mean(d$pain_neuropathic[ctl]), mean(d$pain_neuropathic[trt])),
  pain_low_back = smd_prop(mean(d$pain_low_back[ctl]), mean(d$pain_low_back[trt])),
  pain_arthritis = smd_prop(mean(d$pain_arthritis[ctl]), mean(d$pain_arthritis[trt]))
)
samp$p <- list(
  age_welch = t.test(d$age[trt], d$age[ctl])$p.value,
  gender_chisq = chisq.test(table(d$arm, d$gender), correct = FALSE)$p.value,
  gender_expected_min = min(chisq.test(table(d$arm, d$gender))$expected)
)
miss <- function(w) {
  obs <- dbt$participant_id[dbt$week == w & !is.na(dbt$ders)]
  s <- d$participant_id
  c(sum(trt & !(s %in% obs)), sum(trt & (s %in% obs)), sum(ctl & !(s %in% obs)), sum(ctl & (s %in% obs)))
}
samp$fisher_week9 <- fisher_ref(matrix(miss(9), 2, byrow = TRUE))
samp$fisher_week21 <- fisher_ref(matrix(miss(21), 2, byrow = TRUE))
out$sample <- samp

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "summaries_reference.json"))
str(out)
