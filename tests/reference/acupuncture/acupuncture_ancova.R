# Reference for tests/test_acupuncture_example.py: the ANCOVA of Vickers et al. (BMJ 2004,
# Table 2) on the bundled data, sample_data/acupuncture/acupuncture_headache.csv.
#   y ~ arm + baseline + age + sex + diagnosis + chronicity + site   (lm, OLS)
# Population: 12-month completers (pk5 observed); at 3 months also a 3-month diary (pk2).
# Difference = Acupuncture - Usual care (the arm coefficient; treatment coding, control first).
# Run from this folder:  Rscript acupuncture_ancova.R > acupuncture_ancova.out 2>&1
suppressPackageStartupMessages(library(jsonlite))
d <- read.csv("../../../sample_data/acupuncture/acupuncture_headache.csv")
d$arm <- factor(d$arm, levels = c("Usual care", "Acupuncture"))
d$site <- factor(d$site)
d$sex_label <- factor(d$sex_label)
d$diagnosis <- factor(d$diagnosis)
done <- d[!is.na(d$pk5), ]
cases <- list(
  list(outcome = "headache_score", visit = "12", y = "pk5", base = "pk1", data = done),
  list(outcome = "headache_days", visit = "12", y = "f5", base = "f1", data = done),
  list(outcome = "headache_score", visit = "3", y = "pk2", base = "pk1",
       data = done[!is.na(done$pk2), ]),
  list(outcome = "headache_days", visit = "3", y = "f2", base = "f1",
       data = done[!is.na(done$pk2), ])
)
out <- lapply(cases, function(k) {
  f <- as.formula(paste(k$y, "~ arm +", k$base,
                        "+ age + sex_label + diagnosis + chronicity + site"))
  m <- lm(f, data = k$data)
  s <- summary(m)$coefficients["armAcupuncture", ]
  ci <- confint(m)["armAcupuncture", ]
  cat(deparse(f), sep = "\n"); print(summary(m)$coefficients["armAcupuncture", , drop = FALSE])
  list(outcome = k$outcome, visit = k$visit, n_control = sum(k$data$arm == "Usual care"),
       n_treatment = sum(k$data$arm == "Acupuncture"), estimate = unname(s["Estimate"]),
       std_error = unname(s["Std. Error"]), df = m$df.residual,
       ci_lower = unname(ci[1]), ci_upper = unname(ci[2]), p_value = unname(s["Pr(>|t|)"]))
})
ref <- list(`_about` = list(
  script = "tests/reference/acupuncture/acupuncture_ancova.R",
  software = paste(R.version.string, "; jsonlite", packageVersion("jsonlite")),
  data = "sample_data/acupuncture/acupuncture_headache.csv"), results = out)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "acupuncture_reference.json")
cat("written acupuncture_reference.json\n")
