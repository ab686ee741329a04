package web

import (
	"net/http"
	"time"

	"jinguo/internal/store"
)

// The public API of the online help door: the same store calls, size
// limits and rate-limit counters as the form, so a client gains nothing by
// switching between them.

func (s *Server) apiPublicRoutes(mux *http.ServeMux) {
	s.api(mux, "POST /api/v1/public/help-requests", "", true, s.apiSubmitHelp)
	s.api(mux, "GET /api/v1/public/help-requests/{code}", "", true, s.apiHelpStatus)
}

type helpRequestBody struct {
	Category    string `json:"category"`
	Description string `json:"description"`
	Phone       string `json:"phone"`
	Anonymous   bool   `json:"anonymous"`
}

type helpRequestCreated struct {
	TrackingCode string `json:"tracking_code"`
}

func (s *Server) apiSubmitHelp(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPublicBody)
	var body helpRequestBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	in := store.HelpRequest{Category: body.Category, Description: body.Description, Phone: body.Phone, Anonymous: body.Anonymous, IP: clientIP(r)}
	if err := in.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.checkLimits(r.Context(), w, helpLimits(in.IP)); err != nil {
		s.fail(w, r, err)
		return
	}
	code, err := s.store.SubmitHelpRequest(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, helpRequestCreated{TrackingCode: code})
}

type helpStatusNote struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

type helpStatusResponse struct {
	Status      string           `json:"status"`
	StatusLabel string           `json:"status_label"`
	SubmittedAt time.Time        `json:"submitted_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	Notes       []helpStatusNote `json:"notes"`
}

func (s *Server) apiHelpStatus(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if err := s.checkLimits(r.Context(), w, s.statusLimits(clientIP(r), code)); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.store.HelpStatus(r.Context(), code, r.URL.Query().Get("phone_last4"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := helpStatusResponse{Status: st.Status, StatusLabel: st.Label, SubmittedAt: st.SubmittedAt, UpdatedAt: st.UpdatedAt, Notes: []helpStatusNote{}}
	for _, n := range st.Notes {
		out.Notes = append(out.Notes, helpStatusNote{At: n.At, Text: n.Text})
	}
	writeJSON(w, http.StatusOK, out)
}
