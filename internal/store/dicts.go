package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/dicts"
)

// dictUsages says where each dictionary's codes are stored, as
// "table.column". An item used there cannot be deleted, only disabled. A
// later engine adds its dictionary's usages with one line here. Every
// dictionary is also used by its own items' parent_code.
var dictUsages = map[string][]string{
	dicts.PersonTag:      {"person_tags.tag"},
	dicts.Ethnicity:      {"people.ethnicity"},
	dicts.Education:      {"people.education"},
	dicts.Employment:     {"people.employment"},
	dicts.OrgKind:        {"orgs.kind"},
	dicts.Relation:       {"family_members.relation"},
	dicts.CaseCategory:   {"cases.category", "screening_disputes.category"},
	dicts.ReferralAgency: {"referrals.agency_type"},
}

var (
	errDictNotFound     = apperr.New(apperr.NotFound, "字典不存在")
	errDictItemNotFound = apperr.New(apperr.NotFound, "字典项不存在")
)

// EnsureDictionaries inserts the built-in dictionaries and items that are
// missing. It never overwrites an admin's edits, so it runs at every start.
func (s *Store) EnsureDictionaries(ctx context.Context) error {
	defer s.dicts.clear()
	return s.transact(ctx, func(tx *Tx) error {
		for _, d := range dicts.Seeds() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dictionaries (name, label, built_in) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				d.Name, d.Label, d.BuiltIn); err != nil {
				return err
			}
			if len(d.Items) == 0 {
				continue
			}
			var ar args
			rows := make([]string, len(d.Items))
			for i, it := range d.Items {
				rows[i] = "(" + ar.list(it.Dict, it.Code, it.Name, it.ParentCode, it.Sort, it.Enabled) + ")"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dict_items (dict, code, name, parent_code, sort, enabled) VALUES `+
				strings.Join(rows, ", ")+` ON CONFLICT DO NOTHING`, ar...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListDictionaries returns every dictionary with its item count, built-in
// ones first in their display order, then the rest by name.
func (s *Store) ListDictionaries(ctx context.Context) ([]dicts.Dictionary, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT d.name, d.label, d.built_in, COUNT(i.code)
		FROM dictionaries d LEFT JOIN dict_items i ON i.dict = d.name
		GROUP BY d.name, d.label, d.built_in`)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []dicts.Dictionary
	for rows.Next() {
		var d dicts.Dictionary
		if err := rows.Scan(&d.Name, &d.Label, &d.BuiltIn, &d.ItemCount); err != nil {
			return nil, normalize(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	order := map[string]int{}
	for i, d := range dicts.Seeds() {
		order[d.Name] = i + 1
	}
	slices.SortFunc(out, func(a, b dicts.Dictionary) int {
		oa, ob := order[a.Name], order[b.Name]
		switch {
		case oa == ob:
			return strings.Compare(a.Name, b.Name)
		case oa == 0:
			return 1
		case ob == 0:
			return -1
		}
		return oa - ob
	})
	return out, nil
}

// Dictionary returns the dictionary name with all its items, enabled or
// not, ordered by sort then code.
// Every list page shows dictionary names, so reads are cached for a short
// while: an edit shows at once on this server (the write clears the cache)
// and within dictTTL on the others.
func (s *Store) Dictionary(ctx context.Context, name string) (dicts.Dictionary, error) {
	if d, ok := s.dicts.get(name, s.now(), dictTTL); ok {
		d.Items = slices.Clone(d.Items)
		return d, nil
	}
	d, err := dictionaryByName(ctx, s.rdb, name)
	if err != nil {
		return d, err
	}
	if d.Items, err = dictItems(ctx, s.rdb, name); err != nil {
		return d, err
	}
	d.ItemCount = len(d.Items)
	s.dicts.put(name, d, s.now())
	d.Items = slices.Clone(d.Items)
	return d, nil
}

// dictTTL is how long another server's dictionary edit may take to show.
const dictTTL = 30 * time.Second

// EnabledCodes returns code → name for the enabled items of dictionary
// name, for form options and import lookups.
func (s *Store) EnabledCodes(ctx context.Context, name string) (map[string]string, error) {
	if _, err := dictionaryByName(ctx, s.rdb, name); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT code, name FROM dict_items WHERE dict = $1 AND enabled = $2`, name, true)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, label string
		if err := rows.Scan(&code, &label); err != nil {
			return nil, normalize(err)
		}
		out[code] = label
	}
	return out, normalize(rows.Err())
}

// SaveDictItem creates the item (dict, in.Code) or, when it exists,
// updates its name, parent, order and whether it is enabled.
func (s *Store) SaveDictItem(ctx context.Context, a auth.Actor, dict string, in dicts.ItemInput) (dicts.Item, error) {
	defer s.dicts.clear()
	in = in.Normalized()
	var saved dicts.Item
	err := s.transact(ctx, func(tx *Tx) error {
		if _, err := dictionaryByName(ctx, tx, dict); err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		items, err := dictItems(ctx, tx, dict)
		if err != nil {
			return err
		}
		if msg := checkParent(items, in.Code, in.ParentCode); msg != "" {
			f := apperr.Fields{}
			f.Add("parent_code", msg)
			return f.Err()
		}
		it := dicts.Item{Dict: dict, Code: in.Code, Name: in.Name, ParentCode: in.ParentCode, Sort: in.Sort, Enabled: in.Enabled}
		ch := audit.Changes{}
		i := slices.IndexFunc(items, func(x dicts.Item) bool { return x.Code == in.Code })
		action := audit.Create
		if i < 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dict_items (dict, code, name, parent_code, sort, enabled) VALUES ($1, $2, $3, $4, $5, $6)`,
				it.Dict, it.Code, it.Name, it.ParentCode, it.Sort, it.Enabled); err != nil {
				return err
			}
			ch.Set("dict", "", dict)
			ch.Set("code", "", it.Code)
			ch.Set("name", "", it.Name)
			ch.Set("parent_code", "", it.ParentCode)
			ch.Set("sort", "", strconv.Itoa(it.Sort))
			ch.Set("enabled", "", enabledText(it.Enabled))
		} else {
			old := items[i]
			ch.Set("name", old.Name, it.Name)
			ch.Set("parent_code", old.ParentCode, it.ParentCode)
			ch.Set("sort", strconv.Itoa(old.Sort), strconv.Itoa(it.Sort))
			ch.Set("enabled", enabledText(old.Enabled), enabledText(it.Enabled))
			saved = it
			if len(ch) == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE dict_items SET name = $1, parent_code = $2, sort = $3, enabled = $4 WHERE dict = $5 AND code = $6`,
				it.Name, it.ParentCode, it.Sort, it.Enabled, dict, it.Code); err != nil {
				return err
			}
			// Items have no id: name the item in the detail, unchanged.
			ch["dict"] = audit.Change{From: dict, To: dict}
			ch["code"] = audit.Change{From: it.Code, To: it.Code}
			action = audit.Update
		}
		saved = it
		return tx.audit(ctx, a, action, "dict_item", 0, ch.JSON())
	})
	return saved, err
}

// DeleteDictItem deletes an item that nothing uses. Built-in items and
// items in use are refused: they can be disabled instead.
func (s *Store) DeleteDictItem(ctx context.Context, a auth.Actor, dict, code string) error {
	defer s.dicts.clear()
	return s.transact(ctx, func(tx *Tx) error {
		if _, err := dictionaryByName(ctx, tx, dict); err != nil {
			return err
		}
		var it dicts.Item
		err := tx.QueryRowContext(ctx, `SELECT dict, code, name, parent_code, sort, enabled FROM dict_items WHERE dict = $1 AND code = $2`, dict, code).
			Scan(&it.Dict, &it.Code, &it.Name, &it.ParentCode, &it.Sort, &it.Enabled)
		if err == sql.ErrNoRows {
			return errDictItemNotFound
		}
		if err != nil {
			return err
		}
		if dicts.Seeded(dict, code) {
			return apperr.New(apperr.Conflict, "系统内置代码不能删除，可以停用")
		}
		used, err := dictCodeUsed(ctx, tx, dict, code)
		if err != nil {
			return err
		}
		if used {
			return apperr.New(apperr.Conflict, "该代码正在使用，不能删除，可以停用")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dict_items WHERE dict = $1 AND code = $2`, dict, code); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("dict", dict, "")
		ch.Set("code", code, "")
		ch.Set("name", it.Name, "")
		return tx.audit(ctx, a, audit.Delete, "dict_item", 0, ch.JSON())
	})
}

// CheckCodes is checkCodes outside a transaction, for checks before any
// write (an import's preview, a form's live validation).
func (s *Store) CheckCodes(ctx context.Context, dict, field string, codes ...string) error {
	return normalize(checkCodes(ctx, s.rdb, dict, field, codes...))
}

// checkCodes returns an apperr.Fields error on field when a non-empty code
// is not an enabled item of dict. Pass only the codes an operation brings
// in: a code a record already holds stays valid after an admin disables it.
func (tx *Tx) checkCodes(ctx context.Context, dict, field string, codes ...string) error {
	return checkCodes(ctx, tx, dict, field, codes...)
}

func checkCodes(ctx context.Context, q queryer, dict, field string, codes ...string) error {
	var want []any
	seen := map[string]bool{}
	for _, c := range codes {
		if c != "" && !seen[c] {
			seen[c] = true
			want = append(want, c)
		}
	}
	if len(want) == 0 {
		return nil
	}
	var ar args
	rows, err := q.QueryContext(ctx, `SELECT code FROM dict_items WHERE dict = `+ar.add(dict)+` AND enabled = `+ar.add(true)+
		` AND code IN (`+ar.list(want...)+`)`, ar...)
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		found[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var bad []string
	for _, c := range want {
		if !found[c.(string)] {
			bad = append(bad, c.(string))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	label := dict
	if d, err := dictionaryByName(ctx, q, dict); err == nil {
		label = d.Label
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	f := apperr.Fields{}
	f.Add(field, "所选“"+label+"”无效："+strings.Join(bad, "、"))
	return f.Err()
}

// dictCodeUsed reports whether any record, or another item's parent_code,
// holds code of dict.
func dictCodeUsed(ctx context.Context, q queryer, dict, code string) (bool, error) {
	used := func(query string, args ...any) (bool, error) {
		var one int
		err := q.QueryRowContext(ctx, query, args...).Scan(&one)
		if err == sql.ErrNoRows {
			return false, nil
		}
		return err == nil, err
	}
	if ok, err := used(`SELECT 1 FROM dict_items WHERE dict = $1 AND parent_code = $2 LIMIT 1`, dict, code); ok || err != nil {
		return ok, err
	}
	for _, u := range dictUsages[dict] {
		table, column, _ := strings.Cut(u, ".")
		if ok, err := used(`SELECT 1 FROM `+table+` WHERE `+column+` = $1 LIMIT 1`, code); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// checkParent returns "" or why parent cannot be code's parent among items:
// it must exist and must not lie below code.
func checkParent(items []dicts.Item, code, parent string) string {
	if parent == "" {
		return ""
	}
	parents := make(map[string]string, len(items))
	for _, it := range items {
		parents[it.Code] = it.ParentCode
	}
	if _, ok := parents[parent]; !ok {
		return "上级代码不存在"
	}
	for p, n := parent, 0; p != "" && n <= len(items); p, n = parents[p], n+1 {
		if p == code {
			return "上级代码不能是自身或其下级"
		}
	}
	return ""
}

func dictionaryByName(ctx context.Context, q queryer, name string) (dicts.Dictionary, error) {
	d := dicts.Dictionary{Name: name}
	err := q.QueryRowContext(ctx, `SELECT label, built_in FROM dictionaries WHERE name = $1`, name).Scan(&d.Label, &d.BuiltIn)
	if err == sql.ErrNoRows {
		return d, errDictNotFound
	}
	return d, normalize(err)
}

func dictItems(ctx context.Context, q queryer, dict string) ([]dicts.Item, error) {
	// Sorted here, not in SQL: the engines collate text differently.
	rows, err := q.QueryContext(ctx, `SELECT dict, code, name, parent_code, sort, enabled FROM dict_items WHERE dict = $1`, dict)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []dicts.Item
	for rows.Next() {
		var it dicts.Item
		if err := rows.Scan(&it.Dict, &it.Code, &it.Name, &it.ParentCode, &it.Sort, &it.Enabled); err != nil {
			return nil, normalize(err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	slices.SortFunc(out, func(a, b dicts.Item) int {
		if a.Sort != b.Sort {
			return a.Sort - b.Sort
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out, nil
}

func enabledText(b bool) string {
	if b {
		return "启用"
	}
	return "停用"
}
