package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/dicts"
	"jinguo/internal/jobs"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/roster"
	"jinguo/internal/store"
)

// Import pages live under /people/import; a job's pages under
// /people/import/jobs/{id}, since /people/import/{id} would clash with
// /people/{id}/edit in the router.
func (s *Server) importRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /people/import", s.need(auth.PeopleImport, s.importPage))
	mux.HandleFunc("POST /people/import", s.need(auth.PeopleImport, s.importUpload))
	mux.HandleFunc("GET /people/import/template.xlsx", s.need(auth.PeopleImport, s.importTemplate))
	mux.HandleFunc("GET /people/import/jobs/{id}", s.need(auth.PeopleImport, s.importJobPage))
	mux.HandleFunc("GET /people/import/jobs/{id}/progress", s.need(auth.PeopleImport, s.importJobPage))
	mux.HandleFunc("GET /people/import/jobs/{id}/problems.xlsx", s.need(auth.PeopleImport, s.importProblems))
	mux.HandleFunc("POST /people/import/jobs/{id}/start", s.need(auth.PeopleImport, s.importStart))
	mux.HandleFunc("POST /people/import/jobs/{id}/cancel", s.need(auth.PeopleImport, s.importCancel))
}

func importJobURL(id int64) string { return "/people/import/jobs/" + strconv.FormatInt(id, 10) }

// importReport is what the check found, kept in the job's report column:
// the page shows it before and after the import.
type importReport struct {
	FileName       string           `json:"file_name"`
	Rows           int              `json:"rows"`    // data rows read
	Valid          int              `json:"valid"`   // rows that can be imported
	Invalid        int              `json:"invalid"` // rows with problems
	DefaultOrgID   int64            `json:"default_org_id"`
	DefaultOrgName string           `json:"default_org_name"`
	Problems       []roster.Problem `json:"problems"`
}

// maxShownProblems bounds the problem table; the rest are in the download.
const maxShownProblems = 500

type importIndexData struct {
	Orgs    []orgs.Org
	Jobs    []importJobView
	MaxSize string // e.g. "10MB"
}

type importJobView struct {
	Job          store.Job
	StateLabel   string
	StateClass   string
	Report       importReport
	Result       store.ImportResult
	Problems     []roster.Problem
	MoreProblems int
	IsOwner      bool
}

func newImportJobView(j store.Job, a auth.Actor) importJobView {
	v := importJobView{Job: j, StateLabel: j.State.Label(), IsOwner: a.UserID != 0 && j.UserID == a.UserID}
	switch j.State {
	case store.JobPending:
		v.StateClass = "tag-orange"
	case store.JobQueued, store.JobRunning:
		v.StateClass = "tag-blue"
	case store.JobDone:
		v.StateClass = "tag-green"
	case store.JobFailed:
		v.StateClass = "tag-red"
	default:
		v.StateClass = "tag-grey"
	}
	_ = json.Unmarshal([]byte(j.Report), &v.Report)
	v.Result, _ = store.ParseImportResult(j.Result)
	return v
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "导入人员", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: "导入人员"})
	v.Form.Values.Set("org_id", strconv.FormatInt(actorFrom(r).OrgID, 10))
	s.renderImportIndex(w, r, http.StatusOK, v)
}

func (s *Server) renderImportIndex(w http.ResponseWriter, r *http.Request, status int, v *view) {
	a := actorFrom(r)
	d := importIndexData{MaxSize: sizeLabel(s.cfg.MaxImportBytes)}
	var err error
	if d.Orgs, _, err = s.store.ListOrgs(r.Context(), a, store.OrgFilter{Status: orgs.Active, Limit: 5000}); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.ListJobs(r.Context(), a, jobs.KindPeopleImport, 10)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, j := range list {
		d.Jobs = append(d.Jobs, newImportJobView(j, a))
	}
	v.Data = d
	s.renderStatus(w, r, status, "import_index", v)
}

// importFormError shows the upload form again with msg beside field.
func (s *Server) importFormError(w http.ResponseWriter, r *http.Request, status int, field, msg string) {
	v := s.newView(r, "导入人员", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: "导入人员"})
	values := url.Values{}
	if r.MultipartForm != nil {
		values = url.Values(r.MultipartForm.Value)
	}
	v.Form = newForm(values)
	v.Form.Errors[field] = msg
	s.renderImportIndex(w, r, status, v)
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := roster.Template()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendImportXLSX(w, "人员导入模板.xlsx", b)
}

func sendImportXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="import.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// importUpload checks an uploaded roster and keeps the result as a pending
// job: nothing is registered until the user confirms on the job's page.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes)
	// The whole file stays in memory: it holds ID numbers and must not
	// land unencrypted in a temporary file.
	if err := r.ParseMultipartForm(s.cfg.MaxImportBytes + 1<<20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.importFormError(w, r, http.StatusRequestEntityTooLarge, "file", "文件过大（最大"+sizeLabel(s.cfg.MaxImportBytes)+"）")
			return
		}
		s.importFormError(w, r, http.StatusBadRequest, "file", "上传的内容无法读取，请重新选择文件")
		return
	}
	defer r.MultipartForm.RemoveAll()

	file, header, err := r.FormFile("file")
	if err != nil {
		s.importFormError(w, r, http.StatusUnprocessableEntity, "file", "请选择要导入的Excel文件")
		return
	}
	defer file.Close()
	switch strings.ToLower(path.Ext(header.Filename)) {
	case ".xls", ".csv", ".et", ".wps":
		s.importFormError(w, r, http.StatusUnprocessableEntity, "file", "只能导入.xlsx文件，请先用Excel或WPS“另存为”.xlsx格式")
		return
	}
	org, err := s.store.GetOrg(ctx, a, formID(r, "org_id"))
	if err != nil || org.Status != orgs.Active {
		s.importFormError(w, r, http.StatusUnprocessableEntity, "org_id", "请选择默认所属组织")
		return
	}
	lk, err := s.importLookups(ctx, a, org.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, problems, err := roster.Parse(file, roster.DefaultMaxRows, lk, localtime.Today(s.now()))
	if err != nil {
		if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid {
			s.importFormError(w, r, http.StatusUnprocessableEntity, "file", e.Message)
			return
		}
		s.fail(w, r, err)
		return
	}
	if len(rows) == 0 && len(problems) == 1 && problems[0].Line == 1 && problems[0].Column == "表头" {
		s.importFormError(w, r, http.StatusUnprocessableEntity, "file", problems[0].Reason)
		return
	}
	if rows, problems, err = s.dropRegistered(ctx, a, rows, problems); err != nil {
		s.fail(w, r, err)
		return
	}

	rep := importReport{FileName: importClip(path.Base(strings.ReplaceAll(header.Filename, `\`, "/")), 100),
		Valid: len(rows), DefaultOrgID: org.ID, DefaultOrgName: org.Name, Problems: problems}
	lines := map[int]bool{}
	for _, p := range problems {
		lines[p.Line] = true
	}
	rep.Invalid = len(lines)
	rep.Rows = rep.Valid + rep.Invalid
	reportJSON, err := json.Marshal(rep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var payload []byte
	if len(rows) > 0 {
		if payload, err = jobs.NewPeopleImport(a, rows); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	j, err := s.store.CreateJob(ctx, a, jobs.KindPeopleImport, store.JobPending, payload, string(reportJSON), len(rows))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, importJobURL(j.ID), http.StatusSeeOther)
}

// dropRegistered moves the rows whose ID number is already registered
// into the problems, so the check says before the import what the import
// would skip.
func (s *Server) dropRegistered(ctx context.Context, a auth.Actor, rows []roster.Row, problems []roster.Problem) ([]roster.Row, []roster.Problem, error) {
	today := localtime.Today(s.now())
	ids := make([]string, len(rows))
	for i, row := range rows {
		if id, err := people.ParseIDNumber(row.Input.IDNumber, today); err == nil {
			ids[i] = id.Value
		}
	}
	registered, err := s.store.RegisteredIDNumbers(ctx, a, ids)
	if err != nil || len(registered) == 0 {
		return rows, problems, err
	}
	kept := rows[:0:0]
	for i, row := range rows {
		if registered[ids[i]] {
			problems = append(problems, roster.Problem{Line: row.Line, Column: "身份证号码", Reason: "该身份证号码已登记，不会重复导入"})
			continue
		}
		kept = append(kept, row)
	}
	slices.SortStableFunc(problems, func(a, b roster.Problem) int { return a.Line - b.Line })
	return kept, problems, nil
}

// sizeLabel shows a byte count as people read it: 10MB, 1.5MB, 64KB.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%dKB", (n+1023)>>10)
}

// importLookups gathers what a roster's names map to: enabled dictionary
// items and the active orgs in the actor's scope.
func (s *Server) importLookups(ctx context.Context, a auth.Actor, defaultOrg int64) (roster.Lookups, error) {
	lk := roster.Lookups{DefaultOrgID: defaultOrg}
	for _, d := range []struct {
		name string
		dest *map[string]string
	}{
		{dicts.Ethnicity, &lk.Ethnicity}, {dicts.Education, &lk.Education},
		{dicts.Employment, &lk.Employment}, {dicts.PersonTag, &lk.Tags},
	} {
		codes, err := s.store.EnabledCodes(ctx, d.name)
		if err != nil {
			return lk, err
		}
		*d.dest = roster.Invert(codes)
	}
	for cursor := int64(0); ; {
		list, next, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Status: orgs.Active, Cursor: cursor, Limit: 5000})
		if err != nil {
			return lk, err
		}
		for _, o := range list {
			lk.AddOrg(o.ID, o.Name, o.DivisionCode)
		}
		if next == 0 {
			return lk, nil
		}
		cursor = next
	}
}

// importJob fetches an import job visible to the actor.
func (s *Server) importJob(r *http.Request) (store.Job, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Job{}, err
	}
	j, err := s.store.GetJob(r.Context(), actorFrom(r), id)
	if err != nil {
		return j, err
	}
	if j.Kind != jobs.KindPeopleImport {
		return store.Job{}, apperr.New(apperr.NotFound, "导入任务不存在或无权访问")
	}
	return j, nil
}

// importJobPage shows a job: the check's report while pending, a progress
// bar while it runs, the outcome when done. htmx polls the same handler
// for the "fragment" (the progress bar or the outcome).
func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) {
	j, err := s.importJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := newImportJobView(j, actorFrom(r))
	d.Problems = d.Report.Problems
	if len(d.Problems) > maxShownProblems {
		d.MoreProblems = len(d.Problems) - maxShownProblems
		d.Problems = d.Problems[:maxShownProblems]
	}
	v := s.newView(r, "导入检查结果", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: "导入人员", Href: "/people/import"}, crumb{Label: d.Report.FileName})
	v.Data = d
	s.render(w, r, "import_job", v)
}

func (s *Server) importProblems(w http.ResponseWriter, r *http.Request) {
	j, err := s.importJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := newImportJobView(j, actorFrom(r))
	b, err := roster.ProblemsFile(d.Report.Problems)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendImportXLSX(w, "导入问题清单.xlsx", b)
}

func (s *Server) importStart(w http.ResponseWriter, r *http.Request) {
	j, err := s.importJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if j.Total == 0 {
		setFlash(w, "error", "没有可导入的数据")
		http.Redirect(w, r, importJobURL(j.ID), http.StatusSeeOther)
		return
	}
	if _, err := s.store.QueueJob(r.Context(), actorFrom(r), j.ID); err != nil {
		if e := apperr.As(err); e != nil && (e.Kind == apperr.Conflict || e.Kind == apperr.Forbidden) {
			setFlash(w, "error", e.Message)
			http.Redirect(w, r, importJobURL(j.ID), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, importJobURL(j.ID), "已开始导入，可以离开本页，稍后回来查看结果")
}

func (s *Server) importCancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.importJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.CancelJob(r.Context(), actorFrom(r), j.ID); err != nil {
		if e := apperr.As(err); e != nil && (e.Kind == apperr.Conflict || e.Kind == apperr.Forbidden) {
			setFlash(w, "error", e.Message)
			http.Redirect(w, r, importJobURL(j.ID), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, "/people/import", "已取消，没有导入任何数据")
}

func importClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
