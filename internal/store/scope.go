package store

import (
	"strings"

	"jinguo/internal/auth"
)

// scopeFilter returns a condition that holds when the org id in col lies
// inside sc. Subtree membership is an exact join on org_closure.
func scopeFilter(a *args, sc auth.Scope, col string) string {
	if sc.All {
		return "1=1"
	}
	var conds []string
	if sc.Org != 0 {
		conds = append(conds, col+" = "+a.add(sc.Org))
	}
	if len(sc.Subtrees) > 0 {
		ids := make([]any, len(sc.Subtrees))
		for i, id := range sc.Subtrees {
			ids[i] = id
		}
		conds = append(conds, col+" IN (SELECT descendant_id FROM org_closure WHERE ancestor_id IN ("+a.list(ids...)+"))")
	}
	if len(conds) == 0 {
		return "1=0"
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// subtreeFilter returns a condition that holds when col lies in the subtree
// of org.
func subtreeFilter(a *args, org int64, col string) string {
	return col + " IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = " + a.add(org) + ")"
}

// clampLimit keeps page sizes sane.
func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}

// keysetPage trims a list queried with limit+1 rows to limit and returns
// the cursor of the next page: the id of its last row, or 0 when that was
// the last page.
func keysetPage[T any](out []T, limit int, id func(T) int64) ([]T, int64) {
	if len(out) <= limit {
		return out, 0
	}
	out = out[:limit]
	return out, id(out[limit-1])
}
