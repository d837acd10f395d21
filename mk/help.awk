# make help: each target with its `## description`, then every variable its recipe passes to the script
# (read from its `$(call flags,VALUES,SWITCHES)` line) that the description does not already show.
/^[A-Z_]+ := / { name = $1; $1 = ""; $2 = ""; defs[name] = $0; next }
/^[a-z][a-z-]*:.*## / {
  t = $0; sub(/:.*/, "", t)
  d = $0; sub(/^[^#]*## /, "", d)
  n++; names[n] = t; desc[n] = d; pending = n; next
}
pending && /\$\(call flags,/ {
  s = $0; sub(/.*\$\(call flags,/, "", s)
  # $(NAME) references to := lists first, then the call's closing parenthesis.
  while (match(s, /\$\([A-Z_]+\)/)) {
    ref = substr(s, RSTART + 2, RLENGTH - 3)
    s = substr(s, 1, RSTART - 1) " " defs[ref] " " substr(s, RSTART + RLENGTH)
  }
  sub(/\).*/, "", s)
  split(s, part, ",")
  extra = ""
  for (k = 1; k <= 2; k++) {
    m = split(part[k], vars, " ")
    for (i = 1; i <= m; i++)
      if (vars[i] != "" && index(desc[pending], vars[i] "=") == 0)
        extra = extra " " vars[i] (k == 1 ? "=…" : "=1")
  }
  if (extra != "") desc[pending] = desc[pending] " [+" substr(extra, 2) "]"
  pending = 0
}
/^$/ { pending = 0 }
END { for (i = 1; i <= n; i++) printf "  make %-22s %s\n", names[i], desc[i] }
