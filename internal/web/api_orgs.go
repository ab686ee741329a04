package web

import (
	"net/http"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

type orgJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Kind         orgs.Kind `json:"kind"`
	ParentID     *int64    `json:"parent_id"`
	DivisionCode string    `json:"division_code"`
	Contact      string    `json:"contact"`
	Phone        string    `json:"phone"`
	Address      string    `json:"address"`
	Status       string    `json:"status"`
	Depth        int       `json:"depth"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toOrgJSON(o orgs.Org) orgJSON {
	j := orgJSON{ID: o.ID, Name: o.Name, Kind: o.Kind, DivisionCode: o.DivisionCode, Contact: o.Contact, Phone: o.Phone,
		Address: o.Address, Status: string(o.Status), Depth: o.Depth, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if o.ParentID != 0 {
		p := o.ParentID
		j.ParentID = &p
	}
	return j
}

func (s *Server) apiListOrgs(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.OrgFilter{ParentID: queryID(r, "parent_id"), Under: queryID(r, "under"), Kind: orgs.Kind(q.Get("kind")),
		Status: orgs.Status(q.Get("status")), Q: q.Get("q"), Cursor: cursor, Limit: limit}
	list, next, err := s.store.ListOrgs(r.Context(), actorFrom(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]orgJSON, len(list))
	for i, o := range list {
		out[i] = toOrgJSON(o)
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiGetOrg(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.store.GetOrg(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toOrgJSON(o))
}

type orgRequest struct {
	Name         *string `json:"name"`
	Kind         *string `json:"kind"`
	ParentID     *int64  `json:"parent_id"`
	DivisionCode *string `json:"division_code"`
	Contact      *string `json:"contact"`
	Phone        *string `json:"phone"`
	Address      *string `json:"address"`
	Status       *string `json:"status"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request) {
	var req orgRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.ParentID == nil {
		f := apperr.Fields{}
		f.Add("parent_id", "请填写上级组织")
		s.fail(w, r, f.Err())
		return
	}
	o, err := s.store.CreateOrg(r.Context(), actorFrom(r), orgs.Input{ParentID: *req.ParentID, Name: str(req.Name), Kind: orgs.Kind(str(req.Kind)),
		DivisionCode: str(req.DivisionCode), Contact: str(req.Contact), Phone: str(req.Phone), Address: str(req.Address)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toOrgJSON(o))
}

// apiPatchOrg changes the fields present in the body: details, parent
// (a move with the subtree) and status (closed/active).
func (s *Server) apiPatchOrg(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req orgRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	ctx := r.Context()
	o, err := s.store.GetOrg(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Kind != nil && orgs.Kind(*req.Kind) != o.Kind {
		f := apperr.Fields{}
		f.Add("kind", "组织类型不能修改")
		s.fail(w, r, f.Err())
		return
	}
	if req.Name != nil || req.DivisionCode != nil || req.Contact != nil || req.Phone != nil || req.Address != nil {
		in := orgs.Input{Name: o.Name, DivisionCode: o.DivisionCode, Contact: o.Contact, Phone: o.Phone, Address: o.Address}
		for _, p := range []struct {
			src *string
			dst *string
		}{{req.Name, &in.Name}, {req.DivisionCode, &in.DivisionCode}, {req.Contact, &in.Contact}, {req.Phone, &in.Phone}, {req.Address, &in.Address}} {
			if p.src != nil {
				*p.dst = *p.src
			}
		}
		if o, err = s.store.UpdateOrg(ctx, a, id, in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.ParentID != nil && *req.ParentID != o.ParentID {
		if o, err = s.store.MoveOrg(ctx, a, id, *req.ParentID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.Status != nil && orgs.Status(*req.Status) != o.Status {
		if o, err = s.store.SetOrgStatus(ctx, a, id, orgs.Status(*req.Status)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, toOrgJSON(o))
}
