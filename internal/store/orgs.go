package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
)

const orgColumns = `o.id, COALESCE(o.parent_id, 0), o.name, o.kind, o.division_code, o.contact, o.phone, o.address, o.status, o.depth, o.created_at, o.updated_at`

func scanOrg(row interface{ Scan(...any) error }) (orgs.Org, error) {
	var o orgs.Org
	var kind, status string
	var created, updated int64
	err := row.Scan(&o.ID, &o.ParentID, &o.Name, &kind, &o.DivisionCode, &o.Contact, &o.Phone, &o.Address, &status, &o.Depth, &created, &updated)
	o.Kind, o.Status, o.CreatedAt, o.UpdatedAt = orgs.Kind(kind), orgs.Status(status), fromMS(created), fromMS(updated)
	return o, err
}

var errOrgNotFound = apperr.New(apperr.NotFound, "组织不存在或无权访问")

// orgByID fetches an org inside the actor's scope; outside it is NotFound.
func orgByID(ctx context.Context, q queryer, a auth.Actor, id int64) (orgs.Org, error) {
	var ar args
	query := `SELECT ` + orgColumns + ` FROM orgs o WHERE o.id = ` + ar.add(id) + ` AND ` + scopeFilter(&ar, a.Scope, "o.id")
	o, err := scanOrg(q.QueryRowContext(ctx, query, ar...))
	if err == sql.ErrNoRows {
		return o, errOrgNotFound
	}
	return o, normalize(err)
}

// HasRoot reports whether the tree has been created.
func (s *Store) HasRoot(ctx context.Context) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL`).Scan(&n)
	return n > 0, normalize(err)
}

// RootOrg returns the root of the tree.
func (s *Store) RootOrg(ctx context.Context) (orgs.Org, error) {
	o, err := scanOrg(s.rdb.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs o WHERE o.parent_id IS NULL ORDER BY o.id LIMIT 1`))
	return o, normalize(err)
}

// GetOrg returns the org with id if it is inside the actor's scope.
func (s *Store) GetOrg(ctx context.Context, a auth.Actor, id int64) (orgs.Org, error) {
	return orgByID(ctx, s.rdb, a, id)
}

// CreateOrg creates an org under in.ParentID (which must be in scope), or
// the root when the tree is empty and in.ParentID is 0.
func (s *Store) CreateOrg(ctx context.Context, a auth.Actor, in orgs.Input) (orgs.Org, error) {
	defer s.orgLists.clear()
	in = in.Normalized()
	var created orgs.Org
	err := s.transact(ctx, func(tx *Tx) error {
		var parent *orgs.Org
		if in.ParentID != 0 {
			p, err := orgByID(ctx, tx, a, in.ParentID)
			if err != nil {
				f := apperr.Fields{}
				f.Add("parent_id", "上级组织不存在或无权访问")
				return f.Err()
			}
			parent = &p
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil {
				return err
			}
			if n > 0 || !a.Scope.All {
				f := apperr.Fields{}
				f.Add("parent_id", "请选择上级组织")
				return f.Err()
			}
		}
		if err := in.Validate(parent); err != nil {
			return err
		}
		o := orgs.Org{ParentID: in.ParentID, Name: in.Name, Kind: in.Kind, DivisionCode: in.DivisionCode,
			Contact: in.Contact, Phone: in.Phone, Address: in.Address, Status: orgs.Active, CreatedAt: tx.now, UpdatedAt: tx.now}
		if parent != nil {
			o.Depth = parent.Depth + 1
		}
		id, err := insertID(ctx, tx, `INSERT INTO orgs (parent_id, name, kind, division_code, contact, phone, address, status, depth, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			nullID(o.ParentID), o.Name, string(o.Kind), o.DivisionCode, o.Contact, o.Phone, o.Address, string(o.Status), o.Depth, ms(tx.now), ms(tx.now))
		if err != nil {
			if apperr.Is(normalize(err), apperr.Conflict) {
				f := apperr.Fields{}
				f.Add("division_code", "该区划代码已被其他组织使用")
				return f.Err()
			}
			return err
		}
		o.ID = id
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth)
			SELECT ancestor_id, $1, depth + 1 FROM org_closure WHERE descendant_id = $2`, id, o.ParentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)`, id); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("name", "", o.Name)
		ch.Set("kind", "", string(o.Kind))
		ch.Set("division_code", "", o.DivisionCode)
		ch.Set("parent_id", "", itoa(o.ParentID))
		created = o
		return tx.audit(ctx, a, audit.Create, "org", id, ch.JSON())
	})
	return created, err
}

// UpdateOrg changes an org's name, code and contact details (not its parent
// or kind: moving is MoveOrg).
func (s *Store) UpdateOrg(ctx context.Context, a auth.Actor, id int64, in orgs.Input) (orgs.Org, error) {
	defer s.orgLists.clear()
	in = in.Normalized()
	var updated orgs.Org
	err := s.transact(ctx, func(tx *Tx) error {
		o, err := orgByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		var parent *orgs.Org
		if o.ParentID != 0 {
			p, err := orgByID(ctx, tx, auth.System(), o.ParentID)
			if err != nil {
				return err
			}
			parent = &p
		}
		in.ParentID, in.Kind = o.ParentID, o.Kind
		if err := in.Validate(parent); err != nil {
			return err
		}
		if o.DivisionCode != in.DivisionCode {
			var children int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND division_code <> ''`, id).Scan(&children); err != nil {
				return err
			}
			if children > 0 {
				f := apperr.Fields{}
				f.Add("division_code", "下级组织已使用此区划代码，不能修改")
				return f.Err()
			}
		}
		ch := audit.Changes{}
		ch.Set("name", o.Name, in.Name)
		ch.Set("division_code", o.DivisionCode, in.DivisionCode)
		ch.Set("contact", o.Contact, in.Contact)
		ch.Set("phone", o.Phone, in.Phone)
		ch.Set("address", o.Address, in.Address)
		o.Name, o.DivisionCode, o.Contact, o.Phone, o.Address, o.UpdatedAt = in.Name, in.DivisionCode, in.Contact, in.Phone, in.Address, tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET name = $1, division_code = $2, contact = $3, phone = $4, address = $5, updated_at = $6 WHERE id = $7`,
			o.Name, o.DivisionCode, o.Contact, o.Phone, o.Address, ms(tx.now), id); err != nil {
			if apperr.Is(normalize(err), apperr.Conflict) {
				f := apperr.Fields{}
				f.Add("division_code", "该区划代码已被其他组织使用")
				return f.Err()
			}
			return err
		}
		updated = o
		if len(ch) == 0 {
			return nil
		}
		return tx.audit(ctx, a, audit.Update, "org", id, ch.JSON())
	})
	return updated, err
}

// MoveOrg moves an org, with its whole subtree, under newParent. Both must
// be in the actor's scope.
func (s *Store) MoveOrg(ctx context.Context, a auth.Actor, id, newParentID int64) (orgs.Org, error) {
	defer s.orgLists.clear()
	var moved orgs.Org
	err := s.transact(ctx, func(tx *Tx) error {
		o, err := orgByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		np, err := orgByID(ctx, tx, a, newParentID)
		if err != nil {
			f := apperr.Fields{}
			f.Add("parent_id", "目标上级组织不存在或无权访问")
			return f.Err()
		}
		var inside int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2`, id, newParentID).Scan(&inside); err != nil {
			return err
		}
		if err := orgs.CheckMove(o, np, inside > 0); err != nil {
			return err
		}
		if o.ParentID == np.ID {
			moved = o
			return nil
		}
		// Detach the subtree from its old ancestors, then attach it below
		// every ancestor of the new parent.
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_closure
			WHERE descendant_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)
			  AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth)
			SELECT up.ancestor_id, down.descendant_id, up.depth + down.depth + 1
			FROM org_closure up, org_closure down
			WHERE up.descendant_id = $1 AND down.ancestor_id = $2`, np.ID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET parent_id = $1, updated_at = $2 WHERE id = $3`, np.ID, ms(tx.now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET depth = (SELECT COUNT(*) - 1 FROM org_closure c WHERE c.descendant_id = orgs.id)
			WHERE id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)`, id); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("parent_id", itoa(o.ParentID), itoa(np.ID))
		o.ParentID, o.Depth, o.UpdatedAt = np.ID, np.Depth+1, tx.now
		moved = o
		return tx.audit(ctx, a, audit.Move, "org", id, ch.JSON())
	})
	return moved, err
}

// SetOrgStatus closes an org (history kept, no new work) or reopens it.
// Closing requires every org below it to be closed first.
func (s *Store) SetOrgStatus(ctx context.Context, a auth.Actor, id int64, status orgs.Status) (orgs.Org, error) {
	defer s.orgLists.clear()
	var out orgs.Org
	err := s.transact(ctx, func(tx *Tx) error {
		o, err := orgByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if o.Status == status {
			out = o
			return nil
		}
		action := audit.Reopen
		switch status {
		case orgs.Closed:
			if o.ParentID == 0 {
				return apperr.New(apperr.Conflict, "不能撤销根组织")
			}
			var open int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND status = 'active'`, id).Scan(&open); err != nil {
				return err
			}
			if open > 0 {
				return apperr.New(apperr.Conflict, "该组织还有未撤销的下级组织，请先撤销或移走下级组织")
			}
			action = audit.Close
		case orgs.Active:
			if o.ParentID != 0 {
				var parentStatus string
				if err := tx.QueryRowContext(ctx, `SELECT status FROM orgs WHERE id = $1`, o.ParentID).Scan(&parentStatus); err != nil {
					return err
				}
				if parentStatus != string(orgs.Active) {
					return apperr.New(apperr.Conflict, "上级组织已撤销，不能恢复")
				}
			}
		default:
			return apperr.New(apperr.Invalid, "未知的组织状态")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET status = $1, updated_at = $2 WHERE id = $3`, string(status), ms(tx.now), id); err != nil {
			return err
		}
		o.Status, o.UpdatedAt = status, tx.now
		out = o
		return tx.audit(ctx, a, action, "org", id, "")
	})
	return out, err
}

// OrgFilter selects orgs.
type OrgFilter struct {
	ParentID int64 // direct children of this org
	Under    int64 // anywhere in this org's subtree (itself included)
	Kind     orgs.Kind
	Status   orgs.Status
	Q        string // name contains
	MaxDepth int    // only orgs at most this deep (root is 0); 0 = any
	Cursor   int64  // orgs with id > Cursor
	Limit    int
}

// ListOrgs returns orgs in the actor's scope matching f, by id.
//
// The org pickers of list pages (MaxDepth set, nothing else) are cached for
// orgTTL: they run on every page view, and the tree changes rarely.
func (s *Store) ListOrgs(ctx context.Context, a auth.Actor, f OrgFilter) ([]orgs.Org, int64, error) {
	picker := f.MaxDepth > 0 && f.ParentID == 0 && f.Under == 0 && f.Kind == "" && f.Status == "" && f.Q == "" && f.Cursor == 0
	key := fmt.Sprint(a.Scope, "|", f.MaxDepth, "|", f.Limit)
	if picker {
		if list, ok := s.orgLists.get(key, s.now(), orgTTL); ok {
			return slices.Clone(list), 0, nil
		}
	}
	list, next, err := s.listOrgs(ctx, a, f)
	if err == nil && picker && next == 0 {
		s.orgLists.put(key, slices.Clone(list), s.now())
	}
	return list, next, err
}

// orgTTL is how long another server's change to the tree may take to show
// in list pages' org pickers.
const orgTTL = 30 * time.Second

func (s *Store) listOrgs(ctx context.Context, a auth.Actor, f OrgFilter) ([]orgs.Org, int64, error) {
	var ar args
	where := []string{scopeFilter(&ar, a.Scope, "o.id")}
	if f.ParentID != 0 {
		where = append(where, "o.parent_id = "+ar.add(f.ParentID))
	}
	if f.Under != 0 {
		where = append(where, subtreeFilter(&ar, f.Under, "o.id"))
	}
	if f.Kind != "" {
		where = append(where, "o.kind = "+ar.add(string(f.Kind)))
	}
	if f.Status != "" {
		where = append(where, "o.status = "+ar.add(string(f.Status)))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where = append(where, "o.name LIKE "+ar.add("%"+escapeLike(q)+"%")+` ESCAPE '\'`)
	}
	if f.MaxDepth > 0 {
		where = append(where, "o.depth <= "+ar.add(f.MaxDepth))
	}
	if f.Cursor > 0 {
		where = append(where, "o.id > "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 100, 5000)
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+orgColumns+` FROM orgs o`+whereClause(where)+` ORDER BY o.id LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []orgs.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, 0, normalize(err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x orgs.Org) int64 { return x.ID })
	return out, next, nil
}

// TreeNode is an org in the tree view with counts rolled up its subtree.
type TreeNode struct {
	Org          orgs.Org
	Children     []*TreeNode
	People       int // people registered directly at this org
	PeopleTotal  int // people in the whole subtree
	SubOrgsTotal int // orgs below this one
}

// OrgTree returns the part of the tree inside the actor's scope, as
// forests rooted at the topmost visible orgs, with people counts.
func (s *Store) OrgTree(ctx context.Context, a auth.Actor) ([]*TreeNode, error) {
	var ar args
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+orgColumns+` FROM orgs o WHERE `+scopeFilter(&ar, a.Scope, "o.id")+` ORDER BY o.depth, o.division_code, o.id`, ar...)
	if err != nil {
		return nil, normalize(err)
	}
	nodes := map[int64]*TreeNode{}
	var order []*TreeNode
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, normalize(err)
		}
		n := &TreeNode{Org: o}
		nodes[o.ID] = n
		order = append(order, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	ar = nil
	crow, err := s.rdb.QueryContext(ctx, `SELECT c.org_id, c.people FROM org_counts c WHERE `+scopeFilter(&ar, a.Scope, "c.org_id"), ar...)
	if err != nil {
		return nil, normalize(err)
	}
	for crow.Next() {
		var id int64
		var n int
		if err := crow.Scan(&id, &n); err != nil {
			crow.Close()
			return nil, normalize(err)
		}
		if node := nodes[id]; node != nil {
			node.People = n
		}
	}
	crow.Close()
	var roots []*TreeNode
	for _, n := range order {
		if p := nodes[n.Org.ParentID]; p != nil {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	// Roll counts up: deepest first.
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		n.PeopleTotal += n.People
		if p := nodes[n.Org.ParentID]; p != nil {
			p.PeopleTotal += n.PeopleTotal
			p.SubOrgsTotal += n.SubOrgsTotal + 1
		}
	}
	return roots, nil
}

// OrgPath returns the org's ancestors from the root down to the org itself,
// for breadcrumbs. The org must be in scope; ancestors outside the scope are
// included by name only because every user may know where they sit.
func (s *Store) OrgPath(ctx context.Context, a auth.Actor, id int64) ([]orgs.Org, error) {
	if _, err := orgByID(ctx, s.rdb, a, id); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+orgColumns+` FROM org_closure c JOIN orgs o ON o.id = c.ancestor_id WHERE c.descendant_id = $1 ORDER BY c.depth DESC`, id)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []orgs.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, normalize(err)
		}
		out = append(out, o)
	}
	return out, normalize(rows.Err())
}

// OrgInScope reports whether org id lies inside the actor's scope.
func (s *Store) OrgInScope(ctx context.Context, a auth.Actor, id int64) (bool, error) {
	_, err := orgByID(ctx, s.rdb, a, id)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
