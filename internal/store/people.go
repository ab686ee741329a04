package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
)

// Field names bound into each ciphertext and keyed hash.
const (
	fieldIDNumber = "people.id_number"
	fieldPhone    = "people.phone"
	fieldAddress  = "people.address_detail"
)

// PersonRecord is a person as lists and detail pages see it: sensitive
// fields only in masked form. Plaintext comes only from RevealPerson.
type PersonRecord struct {
	ID              int64
	OrgID           int64
	OrgName         string
	Name            string
	IDMasked        string
	PhoneMasked     string
	HasAddress      bool
	Sex             people.Sex
	BirthDate       time.Time
	Ethnicity       string
	Education       string
	Employment      string
	AddressDivision string
	Tags            []string
	Note            string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Revealed holds the plaintext sensitive fields of one person.
type Revealed struct {
	IDNumber      string `json:"id_number"`
	Phone         string `json:"phone"`
	AddressDetail string `json:"address_detail"`
}

// DuplicatePersonError is the Conflict returned when an ID number is
// already registered. ExistingID is set only when the existing record is
// inside the actor's scope; otherwise the message is neutral.
type DuplicatePersonError struct {
	ExistingID int64
}

func (e *DuplicatePersonError) Error() string { return "person already registered" }

func duplicatePerson(existing int64) error {
	msg := "该身份证号码已登记，如需协助请联系上级妇联"
	if existing != 0 {
		msg = "该身份证号码已登记"
	}
	return &apperr.Error{Kind: apperr.Conflict, Code: "duplicate_id_number", Message: msg,
		Fields: map[string]string{"id_number": msg}, Err: &DuplicatePersonError{ExistingID: existing}}
}

// ExistingPersonID returns the id in a duplicate-registration error, if the
// existing record is visible to the caller.
func ExistingPersonID(err error) int64 {
	var d *DuplicatePersonError
	if e := apperr.As(err); e != nil && e.Err != nil {
		if dd, ok := e.Err.(*DuplicatePersonError); ok {
			d = dd
		}
	}
	if d == nil {
		return 0
	}
	return d.ExistingID
}

const personColumns = `p.id, p.org_id, o.name, p.name, p.id_masked, p.phone_masked, p.address_enc IS NOT NULL, p.sex, p.birth_date,
	p.ethnicity, p.education, p.employment, p.address_division, p.note, p.created_at, p.updated_at`

func scanPerson(row interface{ Scan(...any) error }) (PersonRecord, error) {
	var r PersonRecord
	var sex, birth string
	var created, updated int64
	err := row.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.Name, &r.IDMasked, &r.PhoneMasked, &r.HasAddress, &sex, &birth,
		&r.Ethnicity, &r.Education, &r.Employment, &r.AddressDivision, &r.Note, &created, &updated)
	r.Sex, r.BirthDate, r.CreatedAt, r.UpdatedAt = people.Sex(sex), parseDate(birth), fromMS(created), fromMS(updated)
	return r, err
}

var errPersonNotFound = apperr.New(apperr.NotFound, "人员不存在或无权访问")

func personByID(ctx context.Context, q queryer, a auth.Actor, id int64) (PersonRecord, error) {
	var ar args
	r, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p JOIN orgs o ON o.id = p.org_id
		WHERE p.id = `+ar.add(id)+` AND `+scopeFilter(&ar, a.Scope, "p.org_id"), ar...))
	if err == sql.ErrNoRows {
		return r, errPersonNotFound
	}
	if err != nil {
		return r, normalize(err)
	}
	r.Tags, err = tagsOf(ctx, q, id)
	return r, err
}

func tagsOf(ctx context.Context, q queryer, id int64) ([]string, error) {
	m, err := tagsFor(ctx, q, []int64{id})
	return m[id], err
}

// tagsFor loads the tags of many people in one query.
func tagsFor(ctx context.Context, q queryer, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var ar args
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT person_id, tag FROM person_tags WHERE person_id IN (`+ar.list(vals...)+`) ORDER BY person_id, tag`, ar...)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, normalize(err)
		}
		out[id] = append(out[id], tag)
	}
	return out, normalize(rows.Err())
}

// GetPerson returns a person inside the actor's scope, masked.
func (s *Store) GetPerson(ctx context.Context, a auth.Actor, id int64) (PersonRecord, error) {
	return personByID(ctx, s.rdb, a, id)
}

// checkPersonRefs checks what validation in the domain cannot: the owning
// org is in scope and active, and the codes are enabled dictionary items.
// On an update (old != nil) only codes the edit introduces are checked, so a
// person keeping a since-disabled code can still be edited. It returns the
// owning org.
func (tx *Tx) checkPersonRefs(ctx context.Context, a auth.Actor, p people.Person, old *PersonRecord) (orgs.Org, error) {
	var before PersonRecord
	if old != nil {
		before = *old
	}
	type check struct{ dict, field, code string }
	var checks []check
	for _, c := range []struct{ dict, field, code, was string }{
		{"ethnicity", "ethnicity", p.Ethnicity, before.Ethnicity},
		{"education", "education", p.Education, before.Education},
		{"employment", "employment", p.Employment, before.Employment},
	} {
		if c.code != "" && (old == nil || c.code != c.was) {
			checks = append(checks, check{c.dict, c.field, c.code})
		}
	}
	for _, t := range p.Tags {
		if !slices.Contains(before.Tags, t) {
			checks = append(checks, check{"person_tag", "tags", t})
		}
	}
	// One round trip: the org (in scope) and how many of the codes are
	// enabled items. The per-dictionary check only runs to word the error
	// when something is missing.
	var ar args
	codes := "0"
	if len(checks) > 0 {
		conds := make([]string, len(checks))
		for i, c := range checks {
			conds[i] = "(dict = " + ar.add(c.dict) + " AND code = " + ar.add(c.code) + ")"
		}
		codes = `(SELECT COUNT(*) FROM dict_items WHERE enabled = ` + ar.add(true) + ` AND (` + strings.Join(conds, " OR ") + `))`
	}
	var n int
	o, err := scanOrg(scanWith{tx.QueryRowContext(ctx, `SELECT `+orgColumns+`, `+codes+` FROM orgs o WHERE o.id = `+ar.add(p.OrgID)+
		` AND `+scopeFilter(&ar, a.Scope, "o.id"), ar...), []any{&n}})
	if err == sql.ErrNoRows {
		return o, apperr.Fields{"org_id": "所属组织不存在或无权访问"}.Err()
	}
	if err != nil {
		return o, err
	}
	if o.Status != orgs.Active {
		return o, apperr.Fields{"org_id": "所属组织已撤销，不能登记人员"}.Err()
	}
	if n == len(checks) {
		return o, nil
	}
	for _, c := range checks {
		if err := tx.checkCodes(ctx, c.dict, c.field, c.code); err != nil {
			return o, err
		}
	}
	return o, nil
}

// CreatePerson registers a person. An ID number already registered is a
// Conflict (see ExistingPersonID).
func (s *Store) CreatePerson(ctx context.Context, a auth.Actor, in people.Input) (PersonRecord, error) {
	var out PersonRecord
	err := s.transact(ctx, func(tx *Tx) error {
		p, err := in.Validate(localtime.Today(tx.now))
		if err != nil {
			return err
		}
		o, err := tx.checkPersonRefs(ctx, a, p, nil)
		if err != nil {
			return err
		}
		id, err := tx.insertPerson(ctx, a, p)
		if err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("name", "", people.MaskName(p.Name))
		ch.Set("id_number", "", people.MaskIDNumber(p.IDNumber))
		ch.Set("phone", "", people.MaskPhone(p.Phone))
		ch.Set("org_id", "", itoa(p.OrgID))
		if err := tx.audit(ctx, a, audit.Create, "person", id, ch.JSON()); err != nil {
			return err
		}
		out = recordOf(id, p, o.Name, tx.now)
		return nil
	})
	return out, err
}

// recordOf is the masked record of a person just written.
func recordOf(id int64, p people.Person, orgName string, now time.Time) PersonRecord {
	return PersonRecord{ID: id, OrgID: p.OrgID, OrgName: orgName, Name: p.Name, IDMasked: people.MaskIDNumber(p.IDNumber),
		PhoneMasked: people.MaskPhone(p.Phone), HasAddress: p.AddressDetail != "", Sex: p.Sex, BirthDate: p.BirthDate,
		Ethnicity: p.Ethnicity, Education: p.Education, Employment: p.Employment, AddressDivision: p.AddressDivision,
		Tags: p.Tags, Note: p.Note, CreatedAt: now, UpdatedAt: now}
}

// insertPerson writes a validated person and its tags, encrypting the
// sensitive fields. The unique index on the ID number's hash decides
// duplicates (ON CONFLICT DO NOTHING keeps the transaction usable on
// PostgreSQL); only then is the existing record looked up, to link to it
// when the actor may see it.
func (tx *Tx) insertPerson(ctx context.Context, a auth.Actor, p people.Person) (int64, error) {
	box := tx.s.box
	idHash := box.Hash(p.IDNumber, fieldIDNumber)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO people (org_id, name, id_hash, id_enc, id_masked, phone_hash, phone_enc, phone_masked, sex, birth_date,
		ethnicity, education, employment, address_division, address_enc, note, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
		ON CONFLICT (id_hash) DO NOTHING RETURNING id`,
		p.OrgID, p.Name, idHash, box.Seal(p.IDNumber, fieldIDNumber), people.MaskIDNumber(p.IDNumber),
		nullBytes(box.Hash(p.Phone, fieldPhone)), nullBytes(box.Seal(p.Phone, fieldPhone)), people.MaskPhone(p.Phone),
		string(p.Sex), p.BirthDate.Format(dateLayout), p.Ethnicity, p.Education, p.Employment, p.AddressDivision,
		nullBytes(box.Seal(p.AddressDetail, fieldAddress)), p.Note, nullID(a.UserID), ms(tx.now)).Scan(&id)
	if err == sql.ErrNoRows {
		var existing int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM people WHERE id_hash = $1`, idHash).Scan(&existing); err != nil {
			return 0, duplicatePerson(0)
		}
		if _, err := personByID(ctx, tx, a, existing); err != nil {
			existing = 0
		}
		return 0, duplicatePerson(existing)
	}
	if err != nil {
		return 0, err
	}
	if err := tx.addTags(ctx, id, p.Tags); err != nil {
		return 0, err
	}
	if err := tx.countPeople(ctx, p.OrgID, 1); err != nil {
		return 0, err
	}
	return id, nil
}

// countPeople keeps org_counts in step with a person added to (delta 1) or
// taken from (delta -1) an org.
func (tx *Tx) countPeople(ctx context.Context, orgID int64, delta int) error {
	defer tx.s.totals.clear()
	_, err := tx.ExecContext(ctx, `INSERT INTO org_counts (org_id, people) VALUES ($1, $2)
		ON CONFLICT (org_id) DO UPDATE SET people = org_counts.people + excluded.people`, orgID, delta)
	return err
}

// addTags inserts tags in one statement.
func (tx *Tx) addTags(ctx context.Context, id int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	var ar args
	rows := make([]string, len(tags))
	for i, t := range tags {
		rows[i] = "(" + ar.add(id) + ", " + ar.add(t) + ")"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag) VALUES `+strings.Join(rows, ", "), ar...)
	return err
}

func (tx *Tx) setTags(ctx context.Context, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM person_tags WHERE person_id = $1`, id); err != nil {
		return err
	}
	return tx.addTags(ctx, id, tags)
}

// UpdatePerson changes a person. Empty IDNumber, Phone and AddressDetail in
// the input keep the stored values (forms never echo plaintext back); set
// ClearPhone or ClearAddress to remove them.
func (s *Store) UpdatePerson(ctx context.Context, a auth.Actor, id int64, in people.Input, clear ClearFields) (PersonRecord, error) {
	var out PersonRecord
	err := s.transact(ctx, func(tx *Tx) error {
		old, err := personByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		plain, err := tx.s.revealed(ctx, tx, id)
		if err != nil {
			return err
		}
		if strings.TrimSpace(in.IDNumber) == "" {
			in.IDNumber = plain.IDNumber
		}
		if strings.TrimSpace(in.Phone) == "" && !clear.Phone {
			in.Phone = plain.Phone
		}
		if strings.TrimSpace(in.AddressDetail) == "" && !clear.Address {
			in.AddressDetail = plain.AddressDetail
		}
		if in.OrgID == 0 {
			in.OrgID = old.OrgID
		}
		p, err := in.Validate(localtime.Today(tx.now))
		if err != nil {
			return err
		}
		if _, err := tx.checkPersonRefs(ctx, a, p, &old); err != nil {
			return err
		}
		box := s.box
		idHash := box.Hash(p.IDNumber, fieldIDNumber)
		if p.IDNumber != plain.IDNumber {
			var other int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM people WHERE id_hash = $1 AND id <> $2`, idHash, id).Scan(&other)
			if err == nil {
				if _, err := personByID(ctx, tx, a, other); err != nil {
					other = 0
				}
				return duplicatePerson(other)
			} else if err != sql.ErrNoRows {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE people SET org_id = $1, name = $2, id_hash = $3, id_enc = $4, id_masked = $5, phone_hash = $6,
			phone_enc = $7, phone_masked = $8, sex = $9, birth_date = $10, ethnicity = $11, education = $12, employment = $13,
			address_division = $14, address_enc = $15, note = $16, updated_at = $17 WHERE id = $18`,
			p.OrgID, p.Name, idHash, box.Seal(p.IDNumber, fieldIDNumber), people.MaskIDNumber(p.IDNumber),
			nullBytes(box.Hash(p.Phone, fieldPhone)), nullBytes(box.Seal(p.Phone, fieldPhone)), people.MaskPhone(p.Phone),
			string(p.Sex), p.BirthDate.Format(dateLayout), p.Ethnicity, p.Education, p.Employment, p.AddressDivision,
			nullBytes(box.Seal(p.AddressDetail, fieldAddress)), p.Note, ms(tx.now), id); err != nil {
			return err
		}
		if err := tx.setTags(ctx, id, p.Tags); err != nil {
			return err
		}
		if p.OrgID != old.OrgID {
			if err := tx.countPeople(ctx, old.OrgID, -1); err != nil {
				return err
			}
			if err := tx.countPeople(ctx, p.OrgID, 1); err != nil {
				return err
			}
		}
		ch := audit.Changes{}
		ch.Set("org_id", itoa(old.OrgID), itoa(p.OrgID))
		ch.Set("name", people.MaskName(old.Name), people.MaskName(p.Name))
		ch.Set("id_number", old.IDMasked, people.MaskIDNumber(p.IDNumber))
		if plain.Phone != p.Phone {
			ch["phone"] = audit.Change{From: people.MaskPhone(plain.Phone), To: people.MaskPhone(p.Phone)}
		}
		if plain.AddressDetail != p.AddressDetail {
			ch["address_detail"] = audit.Change{From: "***", To: "***"}
		}
		ch.Set("ethnicity", old.Ethnicity, p.Ethnicity)
		ch.Set("education", old.Education, p.Education)
		ch.Set("employment", old.Employment, p.Employment)
		ch.Set("address_division", old.AddressDivision, p.AddressDivision)
		ch.Set("tags", strings.Join(old.Tags, ","), strings.Join(p.Tags, ","))
		ch.Set("note", old.Note, p.Note)
		if len(ch) > 0 {
			if err := tx.audit(ctx, a, audit.Update, "person", id, ch.JSON()); err != nil {
				return err
			}
		}
		out, err = personByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// ClearFields says which optional sensitive fields an update removes.
type ClearFields struct{ Phone, Address bool }

// revealed decrypts a person's sensitive fields (no scope check, no audit:
// callers do both).
func (s *Store) revealed(ctx context.Context, q queryer, id int64) (Revealed, error) {
	var idEnc, phoneEnc, addrEnc []byte
	if err := q.QueryRowContext(ctx, `SELECT id_enc, phone_enc, address_enc FROM people WHERE id = $1`, id).Scan(&idEnc, &phoneEnc, &addrEnc); err != nil {
		return Revealed{}, normalize(err)
	}
	var r Revealed
	var err error
	if r.IDNumber, err = s.box.Open(idEnc, fieldIDNumber); err != nil {
		return r, fmt.Errorf("decrypt id number of person %d: %w", id, err)
	}
	if r.Phone, err = s.box.Open(phoneEnc, fieldPhone); err != nil {
		return r, fmt.Errorf("decrypt phone of person %d: %w", id, err)
	}
	if r.AddressDetail, err = s.box.Open(addrEnc, fieldAddress); err != nil {
		return r, fmt.Errorf("decrypt address of person %d: %w", id, err)
	}
	return r, nil
}

// RevealPerson returns the plaintext sensitive fields of a person in scope
// to an actor with the reveal permission, and audits it in the same
// transaction: no reveal without its audit entry.
func (s *Store) RevealPerson(ctx context.Context, a auth.Actor, id int64, reason string) (Revealed, error) {
	if !a.Can(auth.PeopleReveal) {
		return Revealed{}, apperr.New(apperr.Forbidden, "您没有查看敏感信息明文的权限")
	}
	var out Revealed
	err := s.transact(ctx, func(tx *Tx) error {
		if _, err := personByID(ctx, tx, a, id); err != nil {
			return err
		}
		r, err := s.revealed(ctx, tx, id)
		if err != nil {
			return err
		}
		out = r
		return tx.audit(ctx, a, audit.Reveal, "person", id, audit.Note(map[string]string{"fields": "id_number,phone,address_detail", "reason": truncate(reason, 100)}))
	})
	return out, err
}

// PeopleFilter selects people.
type PeopleFilter struct {
	Q      string // name prefix, or a full ID number, or a full mobile number
	OrgID  int64  // the org's subtree
	Tag    string
	AgeMin int // inclusive; 0 = no bound
	AgeMax int // inclusive; 0 = no bound
	Sex    people.Sex
	Cursor int64 // people with id < Cursor
	Limit  int
}

var (
	looksLikeID    = regexp.MustCompile(`^\d{17}[\dXx]$`)
	looksLikePhone = regexp.MustCompile(`^(\+?86)?1\d{10}$`)
)

// ListPeople returns people in scope matching f, newest first, with a
// keyset cursor for the next page (0 when there is none).
func (s *Store) ListPeople(ctx context.Context, a auth.Actor, f PeopleFilter) ([]PersonRecord, int64, error) {
	var ar args
	where, err := s.peopleWhere(&ar, a, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Cursor > 0 {
		where = append(where, "p.id < "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 50, 1000)
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+personColumns+` FROM people p JOIN orgs o ON o.id = p.org_id`+
		whereClause(where)+` ORDER BY p.id DESC LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	var out []PersonRecord
	for rows.Next() {
		r, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return nil, 0, normalize(err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x PersonRecord) int64 { return x.ID })
	ids := make([]int64, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	tags, err := tagsFor(ctx, s.rdb, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].Tags = tags[out[i].ID]
	}
	return out, next, nil
}

// CountPeople counts people in scope matching f (cursor ignored).
func (s *Store) CountPeople(ctx context.Context, a auth.Actor, f PeopleFilter) (int, error) {
	var ar args
	where, err := s.peopleWhere(&ar, a, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p`+whereClause(where), ar...).Scan(&n)
	return n, normalize(err)
}

// totalsTTL bounds how late a list's total may be for a registration made
// on another server.
const totalsTTL = 10 * time.Second

// CountPeopleAtMost counts people in scope matching f up to max, and
// reports whether there are more: a list page needs "10000+", not a scan of
// a million rows on every view.
func (s *Store) CountPeopleAtMost(ctx context.Context, a auth.Actor, f PeopleFilter, max int) (int, bool, error) {
	if f.Q == "" && f.OrgID == 0 && f.Tag == "" && f.Sex == "" && f.AgeMin == 0 && f.AgeMax == 0 {
		// Unfiltered: the total from the per-org counts, kept for totalsTTL
		// (cleared here by every registration or move).
		key := fmt.Sprint(a.Scope)
		if n, ok := s.totals.get(key, s.now(), totalsTTL); ok {
			return n, false, nil
		}
		var ar args
		var n int
		err := s.rdb.QueryRowContext(ctx, `SELECT COALESCE(SUM(c.people), 0) FROM org_counts c WHERE `+scopeFilter(&ar, a.Scope, "c.org_id"), ar...).Scan(&n)
		if err == nil {
			s.totals.put(key, n, s.now())
		}
		return n, false, normalize(err)
	}
	var ar args
	where, err := s.peopleWhere(&ar, a, f)
	if err != nil {
		return 0, false, err
	}
	var n int
	err = s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM people p`+whereClause(where)+` LIMIT `+ar.add(max+1)+`) x`, ar...).Scan(&n)
	if n > max {
		return max, true, normalize(err)
	}
	return n, false, normalize(err)
}

func (s *Store) peopleWhere(ar *args, a auth.Actor, f PeopleFilter) ([]string, error) {
	var where []string
	if !a.Scope.All {
		where = append(where, scopeFilter(ar, a.Scope, "p.org_id"))
	}
	if f.OrgID != 0 {
		where = append(where, subtreeFilter(ar, f.OrgID, "p.org_id"))
	}
	if f.Tag != "" {
		where = append(where, "p.id IN (SELECT person_id FROM person_tags WHERE tag = "+ar.add(f.Tag)+")")
	}
	if f.Sex != "" {
		where = append(where, "p.sex = "+ar.add(string(f.Sex)))
	}
	today := localtime.Today(s.now())
	if f.AgeMin > 0 {
		// Born on or before today minus AgeMin years.
		where = append(where, "p.birth_date <= "+ar.add(today.AddDate(-f.AgeMin, 0, 0).Format(dateLayout)))
	}
	if f.AgeMax > 0 {
		// Born after today minus (AgeMax+1) years.
		where = append(where, "p.birth_date > "+ar.add(today.AddDate(-f.AgeMax-1, 0, 0).Format(dateLayout)))
	}
	q := strings.TrimSpace(f.Q)
	switch {
	case q == "":
	case looksLikeID.MatchString(q):
		where = append(where, "p.id_hash = "+ar.add(s.box.Hash(strings.ToUpper(q), fieldIDNumber)))
	case looksLikePhone.MatchString(q):
		phone, err := people.NormalizePhone(q)
		if err != nil {
			return nil, err
		}
		where = append(where, "p.phone_hash = "+ar.add(s.box.Hash(phone, fieldPhone)))
	default:
		// Name prefix as a range on the name index (binary collation on
		// both engines), which also serves the common 2-character names.
		where = append(where, "p.name >= "+ar.add(q)+" AND p.name < "+ar.add(q+"\U0010FFFF"))
	}
	return where, nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
