package store

import (
	"context"
	"database/sql"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
)

// FamilyRecord is a family with its owning org's name and member count.
type FamilyRecord struct {
	people.Family
	OrgName     string
	MemberCount int
}

var errFamilyNotFound = apperr.New(apperr.NotFound, "家庭不存在或无权访问")

func familyByID(ctx context.Context, q queryer, a auth.Actor, id int64) (FamilyRecord, error) {
	var ar args
	var f FamilyRecord
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT f.id, f.org_id, o.name, f.name, f.note, f.created_at, f.updated_at
		FROM families f JOIN orgs o ON o.id = f.org_id WHERE f.id = `+ar.add(id)+` AND `+scopeFilter(&ar, a.Scope, "f.org_id"), ar...).
		Scan(&f.ID, &f.OrgID, &f.OrgName, &f.Name, &f.Note, &created, &updated)
	if err == sql.ErrNoRows {
		return f, errFamilyNotFound
	}
	if err != nil {
		return f, normalize(err)
	}
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	// A member registered outside the viewer's scope (moved away, perhaps
	// for her safety) shows neither name nor link.
	ar = nil
	rows, err := q.QueryContext(ctx, `SELECT m.person_id, p.name, m.relation, `+scopeFilter(&ar, a.Scope, "p.org_id")+`
		FROM family_members m JOIN people p ON p.id = m.person_id
		WHERE m.family_id = `+ar.add(id)+` ORDER BY CASE m.relation WHEN 'head' THEN 0 ELSE 1 END, m.person_id`, ar...)
	if err != nil {
		return f, normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m people.Member
		var rel string
		var inScope bool
		if err := rows.Scan(&m.PersonID, &m.Name, &rel, &inScope); err != nil {
			return f, normalize(err)
		}
		if !inScope {
			m.PersonID, m.Name = 0, "（不在您的管理范围内）"
		}
		m.Relation = people.Relation(rel)
		f.Members = append(f.Members, m)
	}
	f.MemberCount = len(f.Members)
	return f, normalize(rows.Err())
}

// GetFamily returns a family in scope with its members.
func (s *Store) GetFamily(ctx context.Context, a auth.Actor, id int64) (FamilyRecord, error) {
	return familyByID(ctx, s.rdb, a, id)
}

func (tx *Tx) checkFamilyOrg(ctx context.Context, a auth.Actor, orgID int64) error {
	o, err := orgByID(ctx, tx, a, orgID)
	if err != nil || o.Status != orgs.Active {
		f := apperr.Fields{}
		f.Add("org_id", "所属组织不存在、已撤销或无权访问")
		return f.Err()
	}
	return nil
}

// CreateFamily creates a family at an org in scope.
func (s *Store) CreateFamily(ctx context.Context, a auth.Actor, in people.FamilyInput) (FamilyRecord, error) {
	var out FamilyRecord
	err := s.transact(ctx, func(tx *Tx) error {
		if err := in.Validate(); err != nil {
			return err
		}
		if err := tx.checkFamilyOrg(ctx, a, in.OrgID); err != nil {
			return err
		}
		id, err := insertID(ctx, tx, `INSERT INTO families (org_id, name, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
			in.OrgID, strings.TrimSpace(in.Name), strings.TrimSpace(in.Note), ms(tx.now))
		if err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("name", "", strings.TrimSpace(in.Name))
		ch.Set("org_id", "", itoa(in.OrgID))
		if err := tx.audit(ctx, a, audit.Create, "family", id, ch.JSON()); err != nil {
			return err
		}
		out, err = familyByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// UpdateFamily renames a family, moves it to another org in scope or
// changes its note.
func (s *Store) UpdateFamily(ctx context.Context, a auth.Actor, id int64, in people.FamilyInput) (FamilyRecord, error) {
	var out FamilyRecord
	err := s.transact(ctx, func(tx *Tx) error {
		old, err := familyByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if err := tx.checkFamilyOrg(ctx, a, in.OrgID); err != nil {
			return err
		}
		name, note := strings.TrimSpace(in.Name), strings.TrimSpace(in.Note)
		if _, err := tx.ExecContext(ctx, `UPDATE families SET org_id = $1, name = $2, note = $3, updated_at = $4 WHERE id = $5`,
			in.OrgID, name, note, ms(tx.now), id); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("name", old.Name, name)
		ch.Set("org_id", itoa(old.OrgID), itoa(in.OrgID))
		ch.Set("note", old.Note, note)
		if len(ch) > 0 {
			if err := tx.audit(ctx, a, audit.Update, "family", id, ch.JSON()); err != nil {
				return err
			}
		}
		out, err = familyByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// SetFamilyMember adds a person in scope to a family, or changes their
// relation.
func (s *Store) SetFamilyMember(ctx context.Context, a auth.Actor, familyID, personID int64, rel people.Relation) (FamilyRecord, error) {
	var out FamilyRecord
	err := s.transact(ctx, func(tx *Tx) error {
		fam, err := familyByID(ctx, tx, a, familyID)
		if err != nil {
			return err
		}
		if _, err := personByID(ctx, tx, a, personID); err != nil {
			f := apperr.Fields{}
			f.Add("person_id", "人员不存在或无权访问")
			return f.Err()
		}
		members := make([]people.Member, 0, len(fam.Members)+1)
		found := false
		for _, m := range fam.Members {
			if m.PersonID == personID {
				m.Relation, found = rel, true
			}
			members = append(members, m)
		}
		if !found {
			members = append(members, people.Member{PersonID: personID, Relation: rel})
		}
		if err := people.ValidateMembers(members); err != nil {
			return err
		}
		if found {
			_, err = tx.ExecContext(ctx, `UPDATE family_members SET relation = $1 WHERE family_id = $2 AND person_id = $3`, string(rel), familyID, personID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO family_members (family_id, person_id, relation) VALUES ($1, $2, $3)`, familyID, personID, string(rel))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE families SET updated_at = $1 WHERE id = $2`, ms(tx.now), familyID); err != nil {
			return err
		}
		if err := tx.audit(ctx, a, audit.Update, "family", familyID, audit.Note(map[string]string{"member": itoa(personID), "relation": string(rel)})); err != nil {
			return err
		}
		out, err = familyByID(ctx, tx, a, familyID)
		return err
	})
	return out, err
}

// RemoveFamilyMember takes a person out of a family.
func (s *Store) RemoveFamilyMember(ctx context.Context, a auth.Actor, familyID, personID int64) (FamilyRecord, error) {
	var out FamilyRecord
	err := s.transact(ctx, func(tx *Tx) error {
		if _, err := familyByID(ctx, tx, a, familyID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM family_members WHERE family_id = $1 AND person_id = $2`, familyID, personID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "该人员不是此家庭的成员")
		}
		if err := tx.audit(ctx, a, audit.Update, "family", familyID, audit.Note(map[string]string{"removed_member": itoa(personID)})); err != nil {
			return err
		}
		out, err = familyByID(ctx, tx, a, familyID)
		return err
	})
	return out, err
}

// FamilyFilter selects families.
type FamilyFilter struct {
	Q      string // name contains
	OrgID  int64  // subtree
	Cursor int64  // families with id < Cursor
	Limit  int
}

// ListFamilies returns families in scope, newest first.
func (s *Store) ListFamilies(ctx context.Context, a auth.Actor, f FamilyFilter) ([]FamilyRecord, int64, error) {
	var ar args
	where := []string{scopeFilter(&ar, a.Scope, "f.org_id")}
	if f.OrgID != 0 {
		where = append(where, subtreeFilter(&ar, f.OrgID, "f.org_id"))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where = append(where, "f.name LIKE "+ar.add("%"+escapeLike(q)+"%")+` ESCAPE '\'`)
	}
	if f.Cursor > 0 {
		where = append(where, "f.id < "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 50, 1000)
	rows, err := s.rdb.QueryContext(ctx, `SELECT f.id, f.org_id, o.name, f.name, f.note, f.created_at, f.updated_at,
		(SELECT COUNT(*) FROM family_members m WHERE m.family_id = f.id)
		FROM families f JOIN orgs o ON o.id = f.org_id`+whereClause(where)+` ORDER BY f.id DESC LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []FamilyRecord
	for rows.Next() {
		var r FamilyRecord
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.Name, &r.Note, &created, &updated, &r.MemberCount); err != nil {
			return nil, 0, normalize(err)
		}
		r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x FamilyRecord) int64 { return x.ID })
	return out, next, nil
}

// PersonFamily is one family a person belongs to.
type PersonFamily struct {
	FamilyID int64
	Name     string
	Relation people.Relation
}

// FamiliesOfPerson lists the families (in scope) a person in scope belongs to.
func (s *Store) FamiliesOfPerson(ctx context.Context, a auth.Actor, personID int64) ([]PersonFamily, error) {
	if _, err := personByID(ctx, s.rdb, a, personID); err != nil {
		return nil, err
	}
	var ar args
	rows, err := s.rdb.QueryContext(ctx, `SELECT f.id, f.name, m.relation FROM family_members m JOIN families f ON f.id = m.family_id
		WHERE m.person_id = `+ar.add(personID)+` AND `+scopeFilter(&ar, a.Scope, "f.org_id")+` ORDER BY f.id`, ar...)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []PersonFamily
	for rows.Next() {
		var pf PersonFamily
		var rel string
		if err := rows.Scan(&pf.FamilyID, &pf.Name, &rel); err != nil {
			return nil, normalize(err)
		}
		pf.Relation = people.Relation(rel)
		out = append(out, pf)
	}
	return out, normalize(rows.Err())
}

// AddConsent records a consent for a person in scope.
func (s *Store) AddConsent(ctx context.Context, a auth.Actor, personID int64, in people.ConsentInput) (people.Consent, error) {
	var out people.Consent
	err := s.transact(ctx, func(tx *Tx) error {
		p, err := personByID(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		c, err := in.Validate(people.Person{ID: p.ID, BirthDate: p.BirthDate}, localtime.Today(tx.now))
		if err != nil {
			return err
		}
		c.ID, err = insertID(ctx, tx, `INSERT INTO consents (person_id, purpose, given_on, by_guardian, guardian_name, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, personID, c.Purpose, c.GivenOn.Format(dateLayout), c.ByGuardian, c.GuardianName, nullID(a.UserID), ms(tx.now))
		if err != nil {
			return err
		}
		c.PersonID, c.CreatedAt = personID, tx.now
		out = c
		return tx.audit(ctx, a, audit.Create, "consent", c.ID, audit.Note(map[string]string{"person_id": itoa(personID), "purpose": c.Purpose}))
	})
	return out, err
}

// ListConsents returns a person's consents, newest first.
func (s *Store) ListConsents(ctx context.Context, a auth.Actor, personID int64) ([]people.Consent, error) {
	if _, err := personByID(ctx, s.rdb, a, personID); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, person_id, purpose, given_on, by_guardian, guardian_name, created_at
		FROM consents WHERE person_id = $1 ORDER BY given_on DESC, id DESC`, personID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []people.Consent
	for rows.Next() {
		var c people.Consent
		var given string
		var created int64
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Purpose, &given, &c.ByGuardian, &c.GuardianName, &created); err != nil {
			return nil, normalize(err)
		}
		c.GivenOn, c.CreatedAt = parseDate(given), fromMS(created)
		out = append(out, c)
	}
	return out, normalize(rows.Err())
}
