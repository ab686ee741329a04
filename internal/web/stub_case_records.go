package web

import (
	"net/http"

	"jinguo/internal/store"
)

// caseRecordRoutes is a placeholder until the feature lands.
func (s *Server) caseRecordRoutes(mux *http.ServeMux) {}

// caseSectionsData is what the case detail page shows below the timeline:
// referrals, protection orders, mediation and attachments.
type caseSectionsData struct {
	Case store.CaseRecord
}

// loadCaseSections loads the sections of a case the viewer may see.
func (s *Server) loadCaseSections(r *http.Request, rec store.CaseRecord) (*caseSectionsData, error) {
	return &caseSectionsData{Case: rec}, nil
}
