# R side of benchmarks/estimate_bench.py: rake, then svymean/svyby of every
# value column by every domain. Prints the elapsed seconds (estimation only).
# Usage: Rscript estimate_bench.R data.csv margins1.csv margins2.csv out.csv
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
margin_files <- args[2:(length(args) - 1)]
out <- args[length(args)]
values <- grep("^value__", names(data), value = TRUE)

design <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_design, data = data, nest = TRUE)
margins <- lapply(margin_files, function(f) {
  m <- read.csv(f, stringsAsFactors = FALSE)
  d <- data.frame(m$level, m$population)
  names(d) <- c(m$variable[1], "Freq")
  d
})
formulas <- lapply(margins, function(m) as.formula(paste0("~", names(m)[1])))
start <- proc.time()[["elapsed"]]
raked <- rake(design, formulas, margins, control = list(maxit = 1000, epsilon = 1e-9))
rows <- list()
domains <- list(NULL, "region_code", "gender_code", c("region_code", "gender_code"))
for (v in values) {
  f <- as.formula(paste0("~", v))
  for (by in domains) {
    if (is.null(by)) {
      m <- svymean(f, raked, na.rm = TRUE)
      rows[[length(rows) + 1]] <- data.frame(variable = v, region_code = "", gender_code = "",
                                             estimate = coef(m)[[1]], se = SE(m)[[1]])
    } else {
      r <- svyby(f, as.formula(paste0("~", paste(by, collapse = "+"))), raked, svymean, na.rm = TRUE)
      rows[[length(rows) + 1]] <- data.frame(
        variable = v,
        region_code = if ("region_code" %in% by) r$region_code else "",
        gender_code = if ("gender_code" %in% by) r$gender_code else "",
        estimate = r[[v]], se = r$se)
    }
  }
}
elapsed <- proc.time()[["elapsed"]] - start
write.csv(do.call(rbind, rows), out, row.names = FALSE)
cat(elapsed, "\n")
