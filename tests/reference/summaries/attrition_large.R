# Reference for trialkit.summaries.attrition on large 2 x 2 tables: Fisher's exact p-value and
# conditional MLE odds ratio (fisher.test) and Woolf's logit CI for the odds ratio, the CI
# trialkit reports when the exact conditional CI is too costly (see PROVENANCE.md).
# Run from the repository root:
#   Rscript tests/reference/summaries/attrition_large.R > tests/reference/summaries/attrition_large.Rout
# Writes tests/reference/summaries/attrition_large.json. Base R and jsonlite only.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/reference/summaries"
woolf <- function(tab, conf.level = 0.95) {
  x <- as.numeric(tab)
  if (any(x == 0)) x <- x + 0.5  # Haldane-Anscombe
  a <- x[1]; c <- x[2]; b <- x[3]; d <- x[4]  # column-major: tab[1,1], tab[2,1], tab[1,2], tab[2,2]
  lor <- log(a * d / (b * c))
  half <- qnorm(1 - (1 - conf.level) / 2) * sqrt(sum(1 / x))
  exp(lor + c(-1, 1) * half)
}
# rows: treatment, control; columns: not assessed, assessed
tables <- list(
  moderate = matrix(c(1500, 1200, 8500, 8800), 2),
  large = matrix(c(15000, 12000, 35000, 38000), 2),
  zero_cell = matrix(c(0, 300, 10000, 9700), 2),
  tiny_support_large_n = matrix(c(2, 9, 49998, 49991), 2)
)
out <- lapply(tables, function(tab) {
  ft <- fisher.test(tab)
  print(tab); print(ft)
  w <- woolf(tab)
  cat("Woolf 95% CI:", format(w, digits = 15), "\n\n")
  list(table = tab, p_value = ft$p.value, fisher_test_estimate = unname(ft$estimate),
       fisher_test_ci = as.numeric(ft$conf.int), woolf_ci = w,
       sample_odds_ratio = (tab[1, 1] * tab[2, 2]) / (tab[1, 2] * tab[2, 1]))
})
out$`_about` <- paste("R", R.version$major, R.version$minor, "; jsonlite", as.character(packageVersion("jsonlite")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "attrition_large.json"))
