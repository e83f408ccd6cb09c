# Multiplicity references for trialkit.inference.multiplicity.
#   p.adjust (R stats) for Bonferroni / Holm / Hochberg / Hommel;
#   graphicalMCP::graph_test_shortcut for graphical procedures (weighted Bonferroni).
# Regenerate (from this directory):
#   R_LIBS=/work/rlib Rscript make_reference.R > make_reference.out 2>&1
suppressPackageStartupMessages({
  library(graphicalMCP)
  library(jsonlite)
})
cat("R:", R.version.string, "\n")
cat("graphicalMCP:", as.character(packageVersion("graphicalMCP")), "\n")
cat("jsonlite:", as.character(packageVersion("jsonlite")), "\n")

set.seed(20261130)
pvecs <- list(
  simple = c(0.01, 0.04, 0.03, 0.005, 0.2),
  ties = c(0.02, 0.02, 0.04, 0.001, 0.02),
  hommel_differs = c(0.011, 0.012, 0.013, 0.04, 0.6),
  all_large = c(0.3, 0.5, 0.9, 0.7),
  single = c(0.03),
  two = c(0.04, 0.02),
  random8 = round(runif(8)^3, 6),
  with_zero_and_one = c(0, 1, 0.012, 0.5, 0.0249)
)
padjust <- lapply(names(pvecs), function(nm) {
  p <- pvecs[[nm]]
  out <- list(name = nm, p = p)
  for (m in c("bonferroni", "holm", "hochberg", "hommel")) out[[m]] <- p.adjust(p, method = m)
  cat("\n==", nm, "==\n"); print(as.data.frame(out[-1]), digits = 10)
  out
})

graphs <- list(
  bonferroni_holm_4 = bonferroni_holm(rep(1 / 4, 4)),
  bonferroni_holm_unequal = bonferroni_holm(c(0.5, 0.3, 0.2)),
  fixed_sequence_4 = fixed_sequence(4),
  fallback_3 = fallback(c(0.5, 0.3, 0.2)),
  fallback_improved_1 = fallback_improved_1(c(0.5, 0.3, 0.2)),
  simple_successive_1 = simple_successive_1(),
  simple_successive_2 = simple_successive_2(),
  huque_etal = huque_etal(),
  two_doses_two_primary_two_secondary = two_doses_two_primary_two_secondary(),
  random_5 = random_graph(5)
)
gpvals <- function(m) {
  list(
    round(c(0.001, 0.012, 0.019, 0.04, 0.0012, 0.3)[seq_len(m)], 6),
    round(c(0.02, 0.0001, 0.01, 0.009, 0.2, 0.001)[seq_len(m)], 6),
    round(runif(m)^2 / 5, 6)
  )
}
graph_cases <- list()
for (gname in names(graphs)) {
  g <- graphs[[gname]]
  m <- length(g$hypotheses)
  for (p in gpvals(m)) {
    for (alpha in c(0.025, 0.05)) {
      res <- graph_test_shortcut(g, p, alpha = alpha, verbose = TRUE)
      case <- list(
        graph = gname, weights = unname(g$hypotheses),
        transitions = unname(g$transitions), p = p, alpha = alpha,
        adjusted_p = unname(res$outputs$adjusted_p),
        rejected = unname(res$outputs$rejected),
        rejection_sequence = match(res$details$del_seq, names(g$hypotheses)),
        final_weights = unname(res$outputs$graph$hypotheses),
        final_transitions = unname(res$outputs$graph$transitions)
      )
      cat("\n==", gname, "alpha", alpha, "p:", p, "\n")
      cat("adjusted:", format(case$adjusted_p, digits = 10), "\n")
      cat("rejected:", case$rejected, " sequence:", case$rejection_sequence, "\n")
      graph_cases[[length(graph_cases) + 1]] <- case
    }
  }
}
write_json(
  list(
    `_about` = list(
      made_by = "make_reference.R", date = as.character(Sys.Date()),
      R = R.version.string,
      graphicalMCP = as.character(packageVersion("graphicalMCP"))
    ),
    p_adjust = padjust, graphs = graph_cases
  ),
  "multiplicity_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE
)
cat("\nwrote multiplicity_reference.json\n")
