package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
)

// This file keeps the records kept alongside a case: referrals, protection
// orders and warning letters, mediation sessions and attachments. Every
// method checks the case's scope and, for a restricted case, that the
// actor may see its details; a case they may not see is "not found".

// Field names bound into the ciphertexts of case records.
const (
	fieldMediationAgreement = "mediations.agreement"
	fieldAttachmentData     = "attachments.data"
)

var (
	errReferralNotFound   = apperr.New(apperr.NotFound, "转介记录不存在或无权访问")
	errAttachmentNotFound = apperr.New(apperr.NotFound, "附件不存在或无权访问")
	errCaseArchived       = apperr.New(apperr.Conflict, "案件已归档，不能再添加或修改记录").WithCode("case_archived")
	errNoHandle           = apperr.New(apperr.Forbidden, "您没有办理维权案件的权限")
)

// caseDetailsAllowed reports whether the actor may read and write the
// records of a case already found in their scope. An unrestricted case is
// open to everyone in scope; a restricted one to its handler, the operator
// who registered it, and a supervisor (cases:supervise) at or above the
// handling org who has opened it on purpose (audited) within the last
// idle-timeout period.
func (s *Store) caseDetailsAllowed(ctx context.Context, q queryer, a auth.Actor, r caseRow) (bool, error) {
	if seesDetails(a, r) {
		return true, nil
	}
	return s.openedRecently(ctx, q, a, r.Case)
}

// recordCase returns the case whose records the actor wants, or not found
// when it is out of scope or restricted from them.
func (s *Store) recordCase(ctx context.Context, q queryer, a auth.Actor, caseID int64) (caseRow, error) {
	r, err := caseByID(ctx, q, a, caseID)
	if err != nil {
		return r, err
	}
	ok, err := s.caseDetailsAllowed(ctx, q, a, r)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, errCaseNotFound
	}
	return r, nil
}

// writableCase is recordCase for a change: the actor handles cases and the
// case is not archived.
func (s *Store) writableCase(ctx context.Context, tx *Tx, a auth.Actor, caseID int64) (caseRow, error) {
	if !a.Can(auth.CasesHandle) {
		return caseRow{}, errNoHandle
	}
	r, err := s.recordCase(ctx, tx, a, caseID)
	if err != nil {
		return r, err
	}
	if r.State == cases.Archived {
		return r, errCaseArchived
	}
	return r, nil
}

// recordEvent writes a case record's line on the timeline; the case's
// state does not change.
func (tx *Tx) recordEvent(ctx context.Context, a auth.Actor, r caseRow, action, note string) error {
	return tx.caseEvent(ctx, a, r.ID, action, r.State, r.State, r.HandlingOrgID, note, "", time.Time{})
}

func (tx *Tx) touchCase(ctx context.Context, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = $1 WHERE id = $2`, ms(tx.now), id)
	return err
}

func recordNote(kv map[string]string) string { return audit.Note(kv) }

// recordAuditNote is the note of a case record's audit entry: full for an
// unrestricted case. The audit log is read by people who need not see a
// restricted case's details, so a restricted case's entry carries only
// bare (ids, sizes, hashes, statuses) with the case number and
// "restricted": "true"; what the record is about (a filename, an order's
// kind and expiry, an agency, a mediation's outcome) stays inside the case.
func recordAuditNote(c caseRow, full, bare map[string]string) string {
	if !c.Restricted {
		return recordNote(full)
	}
	out := map[string]string{"case": c.Number, "restricted": "true"}
	for k, v := range bare {
		out[k] = v
	}
	return recordNote(out)
}

// agencyName returns the name of an enabled referral_agency code.
func (tx *Tx) agencyName(ctx context.Context, code string) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM dict_items WHERE dict = 'referral_agency' AND code = $1 AND enabled = $2`, code, true).Scan(&name)
	if err == sql.ErrNoRows {
		return "", apperr.Fields{"agency_type": "所选转介机构类型无效"}.Err()
	}
	return name, err
}

// AddReferral records that a case was referred to an agency.
func (s *Store) AddReferral(ctx context.Context, a auth.Actor, caseID int64, in cases.ReferralInput) (cases.ReferralRecord, error) {
	var out cases.ReferralRecord
	err := s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		ref, err := in.Validate(tx.now, localtime.Today(tx.now))
		if err != nil {
			return err
		}
		typeName, err := tx.agencyName(ctx, ref.AgencyType)
		if err != nil {
			return err
		}
		ref.CaseID, ref.CreatedBy, ref.CreatedAt, ref.UpdatedAt = caseID, a.UserID, tx.now, tx.now
		if ref.ID, err = insertID(ctx, tx, `INSERT INTO referrals (case_id, agency_type, agency_name, status, sent_at, outcome, note, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $8)`, caseID, ref.AgencyType, ref.AgencyName, string(ref.Status), ms(ref.SentAt),
			ref.Note, nullID(a.UserID), ms(tx.now)); err != nil {
			return err
		}
		note := "转介至" + typeName
		if ref.AgencyName != "" {
			note += "（" + ref.AgencyName + "）"
		}
		if err := tx.recordEvent(ctx, a, c, cases.EventReferral, note); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		out = ref
		return tx.audit(ctx, a, audit.Create, "referral", ref.ID, recordAuditNote(c, map[string]string{"case": c.Number, "agency_type": ref.AgencyType},
			map[string]string{"status": string(ref.Status)}))
	})
	return out, err
}

const referralColumns = `r.id, r.case_id, r.agency_type, r.agency_name, r.status, r.sent_at, r.received_at, r.feedback_at,
	r.outcome, r.note, COALESCE(r.created_by, 0), COALESCE(u.display_name, ''), r.created_at, r.updated_at`

func scanReferral(row interface{ Scan(...any) error }) (cases.ReferralRecord, error) {
	var r cases.ReferralRecord
	var status string
	var sent, received, feedback, created, updated int64
	err := row.Scan(&r.ID, &r.CaseID, &r.AgencyType, &r.AgencyName, &status, &sent, &received, &feedback,
		&r.Outcome, &r.Note, &r.CreatedBy, &r.CreatedByName, &created, &updated)
	r.Status = cases.ReferralStatus(status)
	r.SentAt, r.ReceivedAt, r.FeedbackAt, r.CreatedAt, r.UpdatedAt = fromMS(sent), fromMS(received), fromMS(feedback), fromMS(created), fromMS(updated)
	return r, err
}

// UpdateReferralStatus moves a referral forward (sent → received →
// feedback). A step back is refused and changes nothing; of two people
// moving the same referral at once, the second is refused too.
func (s *Store) UpdateReferralStatus(ctx context.Context, a auth.Actor, caseID, referralID int64, u cases.ReferralUpdate) (cases.ReferralRecord, error) {
	var out cases.ReferralRecord
	err := s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		ref, err := scanReferral(tx.QueryRowContext(ctx, `SELECT `+referralColumns+` FROM referrals r LEFT JOIN users u ON u.id = r.created_by
			WHERE r.id = $1 AND r.case_id = $2`, referralID, caseID))
		if err == sql.ErrNoRows {
			return errReferralNotFound
		}
		if err != nil {
			return err
		}
		next, err := ref.Advance(u, tx.now)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE referrals SET status = $1, received_at = $2, feedback_at = $3, outcome = $4, note = $5, updated_at = $6
			WHERE id = $7 AND status = $8`, string(next.Status), ms(next.ReceivedAt), ms(next.FeedbackAt), next.Outcome, next.Note, ms(tx.now),
			referralID, string(ref.Status))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "该转介刚被他人更新过，请刷新后重试").WithCode("invalid_referral_status")
		}
		typeName, err := tx.agencyLabel(ctx, ref.AgencyType)
		if err != nil {
			return err
		}
		note := fmt.Sprintf("转介（%s）进展：%s", typeName, next.Status.Label())
		if next.Status == cases.ReferralFeedback {
			note += "。反馈结果：" + next.Outcome
		}
		if err := tx.recordEvent(ctx, a, c, cases.EventReferralStatus, note); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		out = next
		return tx.audit(ctx, a, audit.Update, "referral", referralID, audit.Changes{"status": {From: string(ref.Status), To: string(next.Status)}}.JSON())
	})
	return out, err
}

// agencyLabel names a referral_agency code, enabled or not.
func (tx *Tx) agencyLabel(ctx context.Context, code string) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM dict_items WHERE dict = 'referral_agency' AND code = $1`, code).Scan(&name)
	if err == sql.ErrNoRows {
		return code, nil
	}
	return name, err
}

// ListReferrals returns a case's referrals, oldest first.
func (s *Store) ListReferrals(ctx context.Context, a auth.Actor, caseID int64) ([]cases.ReferralRecord, error) {
	if _, err := s.recordCase(ctx, s.rdb, a, caseID); err != nil {
		return nil, err
	}
	return listReferrals(ctx, s.rdb, caseID)
}

func listReferrals(ctx context.Context, q queryer, caseID int64) ([]cases.ReferralRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+referralColumns+` FROM referrals r LEFT JOIN users u ON u.id = r.created_by
		WHERE r.case_id = $1 ORDER BY r.id`, caseID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []cases.ReferralRecord
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return nil, normalize(err)
		}
		out = append(out, r)
	}
	return out, normalize(rows.Err())
}

// AddOrder records a protection order or police warning letter.
func (s *Store) AddOrder(ctx context.Context, a auth.Actor, caseID int64, in cases.OrderInput) (cases.Order, error) {
	var out cases.Order
	err := s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		o, err := in.Validate(localtime.Today(tx.now))
		if err != nil {
			return err
		}
		o.CaseID, o.CreatedBy, o.CreatedAt = caseID, a.UserID, tx.now
		if o.ID, err = insertID(ctx, tx, `INSERT INTO protection_orders (case_id, kind, issuer, issued_on, expires_on, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, caseID, string(o.Kind), o.Issuer, dayText(o.IssuedOn), dayText(o.ExpiresOn),
			o.Note, nullID(a.UserID), ms(tx.now)); err != nil {
			return err
		}
		note := fmt.Sprintf("%s（%s，%s签发", o.Kind.Label(), o.Issuer, dayText(o.IssuedOn))
		if !o.ExpiresOn.IsZero() {
			note += "，有效期至" + dayText(o.ExpiresOn)
		}
		note += "）"
		if err := tx.recordEvent(ctx, a, c, cases.EventOrder, note); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		out = o
		return tx.audit(ctx, a, audit.Create, "protection_order", o.ID, recordAuditNote(c, map[string]string{"case": c.Number, "kind": string(o.Kind),
			"expires_on": dayText(o.ExpiresOn)}, nil))
	})
	return out, err
}

func dayText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// ListOrders returns a case's orders, oldest first.
func (s *Store) ListOrders(ctx context.Context, a auth.Actor, caseID int64) ([]cases.Order, error) {
	if _, err := s.recordCase(ctx, s.rdb, a, caseID); err != nil {
		return nil, err
	}
	return listOrders(ctx, s.rdb, caseID)
}

func listOrders(ctx context.Context, q queryer, caseID int64) ([]cases.Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.case_id, o.kind, o.issuer, o.issued_on, o.expires_on, o.reminded_at, o.note,
		COALESCE(o.created_by, 0), COALESCE(u.display_name, ''), o.created_at
		FROM protection_orders o LEFT JOIN users u ON u.id = o.created_by WHERE o.case_id = $1 ORDER BY o.id`, caseID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []cases.Order
	for rows.Next() {
		var o cases.Order
		var kind, issued, expires string
		var reminded, created int64
		if err := rows.Scan(&o.ID, &o.CaseID, &kind, &o.Issuer, &issued, &expires, &reminded, &o.Note, &o.CreatedBy, &o.CreatedByName, &created); err != nil {
			return nil, normalize(err)
		}
		o.Kind, o.IssuedOn, o.ExpiresOn, o.RemindedAt, o.CreatedAt = cases.OrderKind(kind), parseDate(issued), parseDate(expires), fromMS(reminded), fromMS(created)
		out = append(out, o)
	}
	return out, normalize(rows.Err())
}

// RemindExpiringOrders notifies the handling org of every order that is
// still in force and lapses within the window (measured in whole days in
// China), once per order: the reminder is claimed with a conditional
// UPDATE on reminded_at, so two servers sweeping at once, or a sweep after
// a restart, never remind twice. It returns how many reminders it sent.
func (s *Store) RemindExpiringOrders(ctx context.Context, within time.Duration) (int, error) {
	now := s.now()
	today := localtime.Today(now)
	last := localtime.Today(now.Add(within))
	rows, err := s.rdb.QueryContext(ctx, `SELECT id FROM protection_orders
		WHERE expires_on <> '' AND expires_on >= $1 AND expires_on <= $2 AND reminded_at = 0 ORDER BY expires_on, id LIMIT 500`,
		dayText(today), dayText(last))
	if err != nil {
		return 0, normalize(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, normalize(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, normalize(err)
	}
	sys := auth.System()
	n := 0
	for _, id := range ids {
		err := s.transact(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE protection_orders SET reminded_at = $1 WHERE id = $2 AND reminded_at = 0`, ms(tx.now), id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return nil // another server reminded it
			}
			var caseID int64
			var kind, expires string
			if err := tx.QueryRowContext(ctx, `SELECT case_id, kind, expires_on FROM protection_orders WHERE id = $1`, id).Scan(&caseID, &kind, &expires); err != nil {
				return err
			}
			c, err := caseByID(ctx, tx, sys, caseID)
			if err != nil {
				return err
			}
			label := cases.OrderKind(kind).Label()
			msg := fmt.Sprintf("案件 %s 的%s将于 %s 到期，请评估当事人安全，必要时协助申请延长或重新申请", c.Number, label, expires)
			if err := tx.notify(ctx, c.HandlingOrgID, 0, "order_expiring", caseID, msg); err != nil {
				return err
			}
			if err := tx.recordEvent(ctx, sys, c, cases.EventOrderExpiring, fmt.Sprintf("%s将于 %s 到期，已提醒承办单位", label, expires)); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// AddMediation records a mediation session. The agreement text is
// encrypted at rest: it names the parties and what they owe each other.
func (s *Store) AddMediation(ctx context.Context, a auth.Actor, caseID int64, in cases.MediationInput) (cases.Mediation, error) {
	var out cases.Mediation
	err := s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		m, err := in.Validate(localtime.Today(tx.now))
		if err != nil {
			return err
		}
		m.CaseID, m.CreatedBy, m.CreatedAt = caseID, a.UserID, tx.now
		if m.ID, err = insertID(ctx, tx, `INSERT INTO mediations (case_id, held_on, participants, agreed, agreement_enc, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, caseID, dayText(m.HeldOn), m.Participants, m.Agreed,
			nullBytes(s.box.Seal(m.Agreement, fieldMediationAgreement)), m.Note, nullID(a.UserID), ms(tx.now)); err != nil {
			return err
		}
		note := dayText(m.HeldOn) + "调解，"
		if m.Agreed {
			note += "达成协议"
		} else {
			note += "未达成协议"
		}
		if err := tx.recordEvent(ctx, a, c, cases.EventMediation, note); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		out = m
		return tx.audit(ctx, a, audit.Create, "mediation", m.ID, recordAuditNote(c, map[string]string{"case": c.Number, "agreed": strconv.FormatBool(m.Agreed)}, nil))
	})
	return out, err
}

// ListMediations returns a case's mediation sessions, oldest first, with
// the agreements decrypted.
func (s *Store) ListMediations(ctx context.Context, a auth.Actor, caseID int64) ([]cases.Mediation, error) {
	if _, err := s.recordCase(ctx, s.rdb, a, caseID); err != nil {
		return nil, err
	}
	return s.listMediations(ctx, s.rdb, caseID)
}

func (s *Store) listMediations(ctx context.Context, q queryer, caseID int64) ([]cases.Mediation, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.case_id, m.held_on, m.participants, m.agreed, m.agreement_enc, m.note,
		COALESCE(m.created_by, 0), COALESCE(u.display_name, ''), m.created_at
		FROM mediations m LEFT JOIN users u ON u.id = m.created_by WHERE m.case_id = $1 ORDER BY m.held_on, m.id`, caseID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []cases.Mediation
	for rows.Next() {
		var m cases.Mediation
		var held string
		var enc []byte
		var created int64
		if err := rows.Scan(&m.ID, &m.CaseID, &held, &m.Participants, &m.Agreed, &enc, &m.Note, &m.CreatedBy, &m.CreatedByName, &created); err != nil {
			return nil, normalize(err)
		}
		if m.Agreement, err = s.box.Open(enc, fieldMediationAgreement); err != nil {
			return nil, fmt.Errorf("decrypt mediation %d: %w", m.ID, err)
		}
		m.HeldOn, m.CreatedAt = parseDate(held), fromMS(created)
		out = append(out, m)
	}
	return out, normalize(rows.Err())
}

// AddAttachment keeps an evidence file with a case. Its type is sniffed
// from the bytes, its name sanitised and its SHA-256 recorded.
//
// The encrypted bytes live in attachments.data_enc, not in files under the
// data directory: several jinguo servers behind a load balancer share one
// PostgreSQL but no disk, and a file written by one would be missing on
// the others. In the database the evidence is also backed up, replicated
// and deleted together with its case. At 10 MiB per file the row size is
// well within what both engines store comfortably.
func (s *Store) AddAttachment(ctx context.Context, a auth.Actor, caseID int64, filename string, data []byte) (cases.Attachment, error) {
	ctype, err := cases.AttachmentType(data, filename)
	if err != nil {
		return cases.Attachment{}, err
	}
	sum := sha256.Sum256(data)
	att := cases.Attachment{CaseID: caseID, Filename: cases.SanitizeFilename(filename), ContentType: ctype, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), CreatedBy: a.UserID}
	sealed := s.box.SealBytes(data, fieldAttachmentData)
	err = s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		att.CreatedAt = tx.now
		if att.ID, err = insertID(ctx, tx, `INSERT INTO attachments (case_id, filename, content_type, size, sha256, data_enc, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, caseID, att.Filename, att.ContentType, att.Size, att.SHA256, sealed,
			nullID(a.UserID), ms(tx.now)); err != nil {
			return err
		}
		if err := tx.recordEvent(ctx, a, c, cases.EventAttachment, "上传附件："+att.Filename); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Create, "attachment", att.ID, recordAuditNote(c, map[string]string{"case": c.Number, "filename": att.Filename,
			"type": att.ContentType, "size": strconv.FormatInt(att.Size, 10), "sha256": att.SHA256},
			map[string]string{"size": strconv.FormatInt(att.Size, 10), "sha256": att.SHA256}))
	})
	return att, err
}

const attachmentColumns = `t.id, t.case_id, t.filename, t.content_type, t.size, t.sha256, COALESCE(t.created_by, 0), COALESCE(u.display_name, ''), t.created_at`

func scanAttachment(row interface{ Scan(...any) error }, extra ...any) (cases.Attachment, error) {
	var t cases.Attachment
	var created int64
	err := row.Scan(append([]any{&t.ID, &t.CaseID, &t.Filename, &t.ContentType, &t.Size, &t.SHA256, &t.CreatedBy, &t.CreatedByName, &created}, extra...)...)
	t.CreatedAt = fromMS(created)
	return t, err
}

// ListAttachments returns a case's attachments (without their bytes),
// oldest first.
func (s *Store) ListAttachments(ctx context.Context, a auth.Actor, caseID int64) ([]cases.Attachment, error) {
	if _, err := s.recordCase(ctx, s.rdb, a, caseID); err != nil {
		return nil, err
	}
	return listAttachments(ctx, s.rdb, caseID)
}

func listAttachments(ctx context.Context, q queryer, caseID int64) ([]cases.Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments t LEFT JOIN users u ON u.id = t.created_by
		WHERE t.case_id = $1 ORDER BY t.id`, caseID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []cases.Attachment
	for rows.Next() {
		t, err := scanAttachment(rows)
		if err != nil {
			return nil, normalize(err)
		}
		out = append(out, t)
	}
	return out, normalize(rows.Err())
}

// OpenAttachment returns an attachment with its decrypted bytes, for a
// download. The download is audited first: if the audit entry cannot be
// written, nothing is returned.
func (s *Store) OpenAttachment(ctx context.Context, a auth.Actor, caseID, attachmentID int64) (cases.Attachment, []byte, error) {
	c, err := s.recordCase(ctx, s.rdb, a, caseID)
	if err != nil {
		return cases.Attachment{}, nil, err
	}
	var enc []byte
	att, err := scanAttachment(s.rdb.QueryRowContext(ctx, `SELECT `+attachmentColumns+`, t.data_enc FROM attachments t
		LEFT JOIN users u ON u.id = t.created_by WHERE t.id = $1 AND t.case_id = $2`, attachmentID, caseID), &enc)
	if err == sql.ErrNoRows {
		return cases.Attachment{}, nil, errAttachmentNotFound
	}
	if err != nil {
		return cases.Attachment{}, nil, normalize(err)
	}
	data, err := s.box.OpenBytes(enc, fieldAttachmentData)
	if err != nil {
		return cases.Attachment{}, nil, fmt.Errorf("decrypt attachment %d: %w", attachmentID, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != att.SHA256 {
		return cases.Attachment{}, nil, fmt.Errorf("attachment %d: sha256 mismatch", attachmentID)
	}
	if err := s.transact(ctx, func(tx *Tx) error {
		return tx.audit(ctx, a, audit.Export, "attachment", attachmentID, recordAuditNote(c, map[string]string{"case": c.Number, "filename": att.Filename,
			"restricted": strconv.FormatBool(c.Restricted)},
			map[string]string{"size": strconv.FormatInt(att.Size, 10), "sha256": att.SHA256}))
	}); err != nil {
		return cases.Attachment{}, nil, err
	}
	return att, data, nil
}

// DeleteAttachment removes an attachment, noting it on the timeline.
func (s *Store) DeleteAttachment(ctx context.Context, a auth.Actor, caseID, attachmentID int64) error {
	return s.transact(ctx, func(tx *Tx) error {
		c, err := s.writableCase(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		var name, sum string
		err = tx.QueryRowContext(ctx, `SELECT filename, sha256 FROM attachments WHERE id = $1 AND case_id = $2`, attachmentID, caseID).Scan(&name, &sum)
		if err == sql.ErrNoRows {
			return errAttachmentNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, attachmentID); err != nil {
			return err
		}
		if err := tx.recordEvent(ctx, a, c, cases.EventAttachmentDeleted, "删除附件："+name); err != nil {
			return err
		}
		if err := tx.touchCase(ctx, caseID); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Delete, "attachment", attachmentID, recordAuditNote(c, map[string]string{"case": c.Number, "filename": name, "sha256": sum},
			map[string]string{"sha256": sum}))
	})
}

// CaseSections is everything kept alongside a case, as its detail page
// shows it.
type CaseSections struct {
	Referrals   []cases.ReferralRecord
	Orders      []cases.Order
	Mediations  []cases.Mediation
	Attachments []cases.Attachment
}

// LoadCaseSections returns a case's referrals, orders, mediation sessions
// and attachments in one read, after one scope and confidentiality check.
func (s *Store) LoadCaseSections(ctx context.Context, a auth.Actor, caseID int64) (CaseSections, error) {
	var out CaseSections
	if _, err := s.recordCase(ctx, s.rdb, a, caseID); err != nil {
		return out, err
	}
	var err error
	if out.Referrals, err = listReferrals(ctx, s.rdb, caseID); err != nil {
		return out, err
	}
	if out.Orders, err = listOrders(ctx, s.rdb, caseID); err != nil {
		return out, err
	}
	if out.Mediations, err = s.listMediations(ctx, s.rdb, caseID); err != nil {
		return out, err
	}
	out.Attachments, err = listAttachments(ctx, s.rdb, caseID)
	return out, err
}
