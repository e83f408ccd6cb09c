# Why tests use emmeans_proportional only for cs/ar1/toep: with varIdent weights, emmeans
# "proportional" weights are not the SITE row frequencies (SAS OM). Run from this directory.
suppressMessages({library(nlme); library(emmeans)})
d <- read.csv("data.csv"); d$VISIT <- factor(d$VISIT, levels=c("W4","W8","W12","W16")); d$ARM<-factor(d$ARM,levels=c("Control","Active")); d$SITE<-factor(d$SITE)
dc <- d[!is.na(d$Y),]
f <- gls(Y ~ ARM*VISIT + BASE*VISIT + SITE, dc, correlation=corCompSymm(form=~1|ID), weights=varIdent(form=~1|VISIT))
e2 <- emmeans(f, ~ARM|VISIT, weights="proportional", mode="df.error", data=dc)
print(e2@linfct[1,c("SITES2","SITES3")])

print(prop.table(table(dc$SITE)))
