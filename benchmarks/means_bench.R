# R side of benchmarks/means_bench.py: svydesign, then svyby(svymean) of every
# value column by region x gender. Prints the best CPU seconds (user + system)
# of `repeat` runs, estimation only (the CSV is read before the clock starts).
# Usage: Rscript means_bench.R data.csv repeat out.csv
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "",
                 colClasses = c(region_code = "character", gender_code = "character",
                                stratum_id = "character", psu_id = "character"))
repeats <- as.integer(args[2])
out <- args[3]
values <- grep("^value__", names(data), value = TRUE)
cpu <- function() { t <- proc.time(); t[["user.self"]] + t[["sys.self"]] }
best <- Inf
for (r in seq_len(repeats)) {
  start <- cpu()
  design <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_design, data = data, nest = TRUE)
  rows <- list()
  for (v in values) {
    b <- svyby(as.formula(paste0("~", v)), ~region_code + gender_code, design, svymean, na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(variable = v, region_code = b$region_code,
                                           gender_code = b$gender_code, estimate = b[[v]], se = b$se)
  }
  best <- min(best, cpu() - start)
}
write.csv(do.call(rbind, rows), out, row.names = FALSE)
cat(best, "\n")
