package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// apiPeopleRoutes registers the people and family endpoints of /api/v1.
func (s *Server) apiPeopleRoutes(mux *http.ServeMux) {
	s.api(mux, "GET /api/v1/people", auth.PeopleRead, false, s.apiListPeople)
	s.api(mux, "POST /api/v1/people", auth.PeopleWrite, false, s.apiCreatePerson)
	s.api(mux, "GET /api/v1/people/{id}", auth.PeopleRead, false, s.apiGetPerson)
	s.api(mux, "PATCH /api/v1/people/{id}", auth.PeopleWrite, false, s.apiPatchPerson)
	s.api(mux, "POST /api/v1/people/{id}/reveal", auth.PeopleReveal, false, s.apiRevealPerson)
	s.api(mux, "GET /api/v1/families", auth.PeopleRead, false, s.apiListFamilies)
	s.api(mux, "POST /api/v1/families", auth.PeopleWrite, false, s.apiCreateFamily)
	s.api(mux, "GET /api/v1/families/{id}", auth.PeopleRead, false, s.apiGetFamily)
	s.api(mux, "PUT /api/v1/families/{id}/members/{person_id}", auth.PeopleWrite, false, s.apiSetFamilyMember)
	s.api(mux, "DELETE /api/v1/families/{id}/members/{person_id}", auth.PeopleWrite, false, s.apiRemoveFamilyMember)
}

// personJSON is a person as the API shows it: ID and phone numbers only
// masked. Plaintext comes only from the audited reveal endpoint.
type personJSON struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	IDNumber        string     `json:"id_number"`
	Phone           string     `json:"phone"`
	Sex             people.Sex `json:"sex"`
	BirthDate       string     `json:"birth_date"`
	Age             int        `json:"age"`
	Ethnicity       string     `json:"ethnicity"`
	Education       string     `json:"education"`
	Employment      string     `json:"employment"`
	OrgID           int64      `json:"org_id"`
	OrgName         string     `json:"org_name"`
	AddressDivision string     `json:"address_division"`
	HasAddress      bool       `json:"has_address"`
	Tags            []string   `json:"tags"`
	Note            string     `json:"note"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func (s *Server) toPersonJSON(p store.PersonRecord) personJSON {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return personJSON{ID: p.ID, Name: p.Name, IDNumber: p.IDMasked, Phone: p.PhoneMasked, Sex: p.Sex,
		BirthDate: p.BirthDate.Format(time.DateOnly), Age: people.AgeOn(p.BirthDate, localtime.Today(s.now())),
		Ethnicity: p.Ethnicity, Education: p.Education, Employment: p.Employment, OrgID: p.OrgID, OrgName: p.OrgName,
		AddressDivision: p.AddressDivision, HasAddress: p.HasAddress, Tags: tags, Note: p.Note,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) apiListPeople(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := peopleFilterFrom(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.Cursor = limit, cursor
	list, next, err := s.store.ListPeople(r.Context(), actorFrom(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]personJSON, len(list))
	for i, p := range list {
		out[i] = s.toPersonJSON(p)
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.GetPerson(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toPersonJSON(p))
}

// personRequest is the body of POST and PATCH. In a PATCH, absent fields
// keep their value; an empty phone or address_detail clears it.
type personRequest struct {
	Name            *string   `json:"name"`
	IDNumber        *string   `json:"id_number"`
	Phone           *string   `json:"phone"`
	Sex             *string   `json:"sex"`
	Ethnicity       *string   `json:"ethnicity"`
	Education       *string   `json:"education"`
	Employment      *string   `json:"employment"`
	OrgID           *int64    `json:"org_id"`
	AddressDivision *string   `json:"address_division"`
	AddressDetail   *string   `json:"address_detail"`
	Tags            *[]string `json:"tags"`
	Note            *string   `json:"note"`
}

// failPerson answers a failed create or update; a duplicate ID number
// carries the id of the existing record when the caller may see it.
func (s *Server) failPerson(w http.ResponseWriter, r *http.Request, err error) {
	existing := store.ExistingPersonID(err)
	e := apperr.As(err)
	if existing == 0 || e == nil {
		s.fail(w, r, err)
		return
	}
	type dupError struct {
		jsonError
		ExistingID int64 `json:"existing_id"`
	}
	code := e.Code
	if code == "" {
		code = string(e.Kind)
	}
	writeJSON(w, statusOf(err), map[string]dupError{"error": {jsonError: jsonError{Code: code, Message: e.Message, Fields: e.Fields}, ExistingID: existing}})
}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	var req personRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	in := people.Input{Name: str(req.Name), IDNumber: str(req.IDNumber), Phone: str(req.Phone), Sex: str(req.Sex),
		Ethnicity: str(req.Ethnicity), Education: str(req.Education), Employment: str(req.Employment),
		AddressDivision: str(req.AddressDivision), AddressDetail: str(req.AddressDetail), Note: str(req.Note)}
	if req.OrgID != nil {
		in.OrgID = *req.OrgID
	}
	if req.Tags != nil {
		in.Tags = *req.Tags
	}
	p, err := s.store.CreatePerson(r.Context(), actorFrom(r), in)
	if err != nil {
		s.failPerson(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.toPersonJSON(p))
}

func (s *Server) apiPatchPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req personRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	ctx := r.Context()
	old, err := s.store.GetPerson(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.IDNumber != nil && strings.TrimSpace(*req.IDNumber) == "" {
		f := apperr.Fields{}
		f.Add("id_number", "身份证号码不能清除")
		s.fail(w, r, f.Err())
		return
	}
	// Empty sensitive fields keep the stored values in UpdatePerson.
	in := people.Input{OrgID: old.OrgID, Name: old.Name, IDNumber: str(req.IDNumber), Phone: str(req.Phone), Sex: str(req.Sex),
		Ethnicity: old.Ethnicity, Education: old.Education, Employment: old.Employment,
		AddressDivision: old.AddressDivision, AddressDetail: str(req.AddressDetail), Note: old.Note, Tags: slices.Clone(old.Tags)}
	for _, p := range []struct {
		src *string
		dst *string
	}{{req.Name, &in.Name}, {req.Ethnicity, &in.Ethnicity}, {req.Education, &in.Education}, {req.Employment, &in.Employment},
		{req.AddressDivision, &in.AddressDivision}, {req.Note, &in.Note}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if req.OrgID != nil {
		in.OrgID = *req.OrgID
		if in.OrgID == 0 {
			in.OrgID = -1 // explicit 0 is a bad org, not "keep"
		}
	}
	if req.Tags != nil {
		in.Tags = *req.Tags
	}
	clear := store.ClearFields{
		Phone:   req.Phone != nil && strings.TrimSpace(*req.Phone) == "",
		Address: req.AddressDetail != nil && strings.TrimSpace(*req.AddressDetail) == "",
	}
	p, err := s.store.UpdatePerson(ctx, a, id, in, clear)
	if err != nil {
		s.failPerson(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toPersonJSON(p))
}

type revealRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRevealPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req revealRequest
	if err := decodeOptionalJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rev, err := s.store.RevealPerson(r.Context(), actorFrom(r), id, strings.TrimSpace(req.Reason))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rev)
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return apperr.Wrap(apperr.BadRequest, "请求体读取失败", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decodeJSON(w, r, dst)
}

// familyJSON is a family in lists.
type familyJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org_name"`
	Note        string    `json:"note"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type memberJSON struct {
	PersonID int64           `json:"person_id"`
	Name     string          `json:"name"`
	Relation people.Relation `json:"relation"`
}

// familyDetailJSON is one family with its members.
type familyDetailJSON struct {
	familyJSON
	Members []memberJSON `json:"members"`
}

func toFamilyJSON(f store.FamilyRecord) familyJSON {
	return familyJSON{ID: f.ID, Name: f.Name, OrgID: f.OrgID, OrgName: f.OrgName, Note: f.Note, MemberCount: f.MemberCount,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

func toFamilyDetailJSON(f store.FamilyRecord) familyDetailJSON {
	d := familyDetailJSON{familyJSON: toFamilyJSON(f), Members: make([]memberJSON, len(f.Members))}
	for i, m := range f.Members {
		d.Members[i] = memberJSON{PersonID: m.PersonID, Name: m.Name, Relation: m.Relation}
	}
	return d
}

func (s *Server) apiListFamilies(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := store.FamilyFilter{Q: r.URL.Query().Get("q"), OrgID: queryID(r, "org_id"), Cursor: cursor, Limit: limit}
	list, next, err := s.store.ListFamilies(r.Context(), actorFrom(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]familyJSON, len(list))
	for i, fam := range list {
		out[i] = toFamilyJSON(fam)
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

type familyRequest struct {
	Name  string `json:"name"`
	OrgID int64  `json:"org_id"`
	Note  string `json:"note"`
}

func (s *Server) apiCreateFamily(w http.ResponseWriter, r *http.Request) {
	var req familyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	fam, err := s.store.CreateFamily(r.Context(), actorFrom(r), people.FamilyInput{OrgID: req.OrgID, Name: req.Name, Note: req.Note})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toFamilyDetailJSON(fam))
}

func (s *Server) apiGetFamily(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fam, err := s.store.GetFamily(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFamilyDetailJSON(fam))
}

type memberRequest struct {
	Relation string `json:"relation"`
}

func (s *Server) apiSetFamilyMember(w http.ResponseWriter, r *http.Request) {
	id, personID, err := familyMemberIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req memberRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rel, ok := people.ParseRelation(req.Relation)
	if !ok {
		f := apperr.Fields{}
		f.Add("relation", "与户主关系应为 head、spouse、child、parent、grand 或 other")
		s.fail(w, r, f.Err())
		return
	}
	fam, err := s.store.SetFamilyMember(r.Context(), actorFrom(r), id, personID, rel)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFamilyDetailJSON(fam))
}

func (s *Server) apiRemoveFamilyMember(w http.ResponseWriter, r *http.Request) {
	id, personID, err := familyMemberIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fam, err := s.store.RemoveFamilyMember(r.Context(), actorFrom(r), id, personID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFamilyDetailJSON(fam))
}
