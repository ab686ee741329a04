package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/dicts"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
)

// caseRecordRoutes registers the records kept alongside a case: referrals,
// protection orders, mediation sessions and attachments. They are shown
// and added on the case detail page, so every form posts here and comes
// back to that page with a flash message.
func (s *Server) caseRecordRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /cases/{id}/referrals", s.need(auth.CasesHandle, s.referralAdd))
	mux.HandleFunc("POST /cases/{id}/referrals/{rid}/status", s.need(auth.CasesHandle, s.referralStatus))
	mux.HandleFunc("POST /cases/{id}/orders", s.need(auth.CasesHandle, s.orderAdd))
	mux.HandleFunc("POST /cases/{id}/mediations", s.need(auth.CasesHandle, s.mediationAdd))
	mux.HandleFunc("POST /cases/{id}/attachments", s.need(auth.CasesHandle, s.attachmentUpload))
	mux.HandleFunc("GET /cases/{id}/attachments/{aid}", s.need(auth.CasesRead, s.attachmentDownload))
	mux.HandleFunc("POST /cases/{id}/attachments/{aid}/delete", s.need(auth.CasesHandle, s.attachmentDelete))
}

// caseSectionsData is what the case detail page shows below the timeline:
// referrals, protection orders, mediation and attachments. The
// "caseSections" template renders it.
type caseSectionsData struct {
	Case store.CaseRecord
	// Hidden: the case is restricted and the viewer has not opened it, so
	// nothing of its records is loaded or shown.
	Hidden      bool
	CanEdit     bool // the viewer handles cases and the case is not archived
	Referrals   []referralRow
	Orders      []orderRow
	Mediations  []cases.Mediation
	Attachments []cases.Attachment
	Agencies    peopleDict
	OrderKinds  []cases.OrderKind
	Today       string
	Accept      string
}

type referralRow struct {
	cases.ReferralRecord
	AgencyLabel string
}

type orderRow struct {
	cases.Order
	Expired  bool
	Expiring bool // in force, lapses within cases.OrderReminderDays
	DaysLeft int
}

// loadCaseSections loads the sections of a case the viewer may see. For a
// restricted case the viewer may not see (rec.Hidden), nothing is loaded:
// not even how many referrals or files there are.
func (s *Server) loadCaseSections(r *http.Request, rec store.CaseRecord) (*caseSectionsData, error) {
	if rec.Hidden {
		return &caseSectionsData{Case: rec, Hidden: true}, nil
	}
	ctx := r.Context()
	a := actorFrom(r)
	secs, err := s.store.LoadCaseSections(ctx, a, rec.ID)
	if err != nil {
		return nil, err
	}
	agencies, err := s.loadPeopleDict(ctx, dicts.ReferralAgency)
	if err != nil {
		return nil, err
	}
	today := localtime.Today(s.now())
	d := &caseSectionsData{
		Case: rec, CanEdit: a.Can(auth.CasesHandle) && rec.State != cases.Archived,
		Mediations: secs.Mediations, Attachments: secs.Attachments, Agencies: agencies,
		OrderKinds: cases.OrderKinds(), Today: today.Format("2006-01-02"), Accept: cases.AttachmentAccept,
	}
	for _, ref := range secs.Referrals {
		label, ok := agencies.Labels[ref.AgencyType]
		if !ok {
			label = ref.AgencyType
		}
		d.Referrals = append(d.Referrals, referralRow{ReferralRecord: ref, AgencyLabel: label})
	}
	for _, o := range secs.Orders {
		d.Orders = append(d.Orders, orderRow{Order: o, Expired: o.Expired(today), Expiring: o.Expiring(today), DaysLeft: o.DaysLeft(today)})
	}
	return d, nil
}

func caseHref(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }

// recordFieldLabels name the form fields in Chinese for flash messages.
var recordFieldLabels = []struct{ field, label string }{
	{"agency_type", "机构类型"}, {"agency_name", "机构名称"}, {"sent_on", "转介日期"}, {"status", "进展"}, {"outcome", "反馈结果"},
	{"kind", "类型"}, {"issuer", "签发机关"}, {"issued_on", "签发日期"}, {"expires_on", "有效期至"},
	{"held_on", "调解日期"}, {"participants", "参加人员"}, {"agreement", "协议内容"},
	{"note", "备注"}, {"file", "附件"},
}

// recordErrorMessage is the flash message of a refused record: each bad
// field named in Chinese with what is wrong with it.
func recordErrorMessage(err error) string {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return "附件：文件过大，单个附件最大10 MB"
	}
	e := apperr.As(err)
	if e == nil {
		return "服务器内部错误，请稍后重试"
	}
	if e.Kind == apperr.TooLarge {
		return "附件：" + e.Message
	}
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	seen := map[string]bool{}
	for _, l := range recordFieldLabels {
		if msg, ok := e.Fields[l.field]; ok {
			parts = append(parts, l.label+"："+msg)
			seen[l.field] = true
		}
	}
	for f, msg := range e.Fields {
		if !seen[f] {
			parts = append(parts, msg)
		}
	}
	return "未保存。" + strings.Join(parts, "；")
}

// recordDone sends the browser back to the case's section: with a success
// message, or with what was wrong. Errors the user cannot fix on the form
// (not found, forbidden, internal) get the error page.
func (s *Server) recordDone(w http.ResponseWriter, r *http.Request, caseID int64, section, okMsg string, err error) {
	to := caseHref(caseID) + "#" + section
	if err == nil {
		redirectOK(w, r, to, okMsg)
		return
	}
	var mbe *http.MaxBytesError
	switch kind := apperr.KindOf(err); {
	case errors.As(err, &mbe), kind == apperr.Invalid, kind == apperr.Conflict, kind == apperr.TooLarge, kind == apperr.BadRequest:
		setFlash(w, "error", recordErrorMessage(err))
		http.Redirect(w, r, to, http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// recordForm parses a record's form and returns the case id.
func (s *Server) recordForm(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, true
}

func (s *Server) referralAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	_, err := s.store.AddReferral(r.Context(), actorFrom(r), id, cases.ReferralInput{
		AgencyType: f.Get("agency_type"), AgencyName: f.Get("agency_name"), SentOn: f.Get("sent_on"), Note: f.Get("note")})
	s.recordDone(w, r, id, "referrals", "已记录转介", err)
}

func (s *Server) referralStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordForm(w, r)
	if !ok {
		return
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	_, err = s.store.UpdateReferralStatus(r.Context(), actorFrom(r), id, rid, cases.ReferralUpdate{
		Status: cases.ReferralStatus(f.Get("status")), Outcome: f.Get("outcome"), Note: f.Get("note")})
	s.recordDone(w, r, id, "referrals", "已更新转介进展", err)
}

func (s *Server) orderAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	_, err := s.store.AddOrder(r.Context(), actorFrom(r), id, cases.OrderInput{
		Kind: cases.OrderKind(f.Get("kind")), Issuer: f.Get("issuer"), IssuedOn: f.Get("issued_on"), ExpiresOn: f.Get("expires_on"), Note: f.Get("note")})
	s.recordDone(w, r, id, "orders", "已记录", err)
}

func (s *Server) mediationAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	_, err := s.store.AddMediation(r.Context(), actorFrom(r), id, cases.MediationInput{
		HeldOn: f.Get("held_on"), Participants: f.Get("participants"), Agreed: f.Get("agreed") != "",
		Agreement: f.Get("agreement"), Note: f.Get("note")})
	s.recordDone(w, r, id, "mediations", "已记录调解", err)
}

// maxAttachmentRequest bounds an upload request: the file plus the
// multipart framing and the few other fields.
const maxAttachmentRequest = cases.MaxAttachmentBytes + 64<<10

// attachmentUpload reads the file part straight into memory. It does not
// use ParseMultipartForm, which spills large files to unencrypted temporary
// files: evidence of violence must touch no disk before it is sealed.
func (s *Server) attachmentUpload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAttachmentRequest)
	name, data, err := readUpload(r, "file")
	if err != nil {
		s.recordDone(w, r, id, "attachments", "", err)
		return
	}
	_, err = s.store.AddAttachment(r.Context(), actorFrom(r), id, name, data)
	s.recordDone(w, r, id, "attachments", "已上传附件", err)
}

var (
	errUploadUnreadable = apperr.New(apperr.BadRequest, "上传的内容无法读取，请重新选择文件")
	errUploadMissing    = apperr.Fields{"file": "请选择要上传的文件"}.Err()
	errUploadTooLarge   = apperr.New(apperr.TooLarge, "文件过大，单个附件最大10 MB").WithCode("file_too_large")
)

// readUpload returns the name and bytes of the multipart file field, at
// most cases.MaxAttachmentBytes of them.
func readUpload(r *http.Request, field string) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errUploadUnreadable
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, errUploadMissing
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return "", nil, errUploadTooLarge
			}
			return "", nil, errUploadUnreadable
		}
		if part.FormName() != field || part.FileName() == "" {
			part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, cases.MaxAttachmentBytes+1))
		name := part.FileName()
		part.Close()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe) || len(data) > cases.MaxAttachmentBytes:
			return "", nil, errUploadTooLarge
		case err != nil:
			return "", nil, errUploadUnreadable
		}
		return name, data, nil
	}
}

// attachmentDownload serves an attachment after the store's scope and
// confidentiality checks; the store audits the download. The file is
// always a download (never rendered in the page's origin), with the type
// sniffed at upload and no caching anywhere on the way.
func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	att, data, err := s.store.OpenAttachment(r.Context(), actorFrom(r), id, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", att.ContentType)
	h.Set("Content-Disposition", attachmentDisposition(att.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (s *Server) attachmentDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordForm(w, r)
	if !ok {
		return
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.store.DeleteAttachment(r.Context(), actorFrom(r), id, aid)
	s.recordDone(w, r, id, "attachments", "已删除附件", err)
}

// attachmentDisposition is a Content-Disposition for a download named
// name: an ASCII fallback for old clients and the UTF-8 name in RFC 5987
// encoding (filename*), which every current browser prefers.
func attachmentDisposition(name string) string {
	var ascii, enc strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '%' || r == ';':
			ascii.WriteByte('_')
		case r < utf8.RuneSelf:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}
