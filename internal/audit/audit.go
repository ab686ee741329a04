// Package audit describes the append-only trail of logins, writes and
// reveals of sensitive data.
package audit

import (
	"encoding/json"
	"time"
)

// Action is what happened.
type Action string

// The actions recorded.
const (
	Login          Action = "login"
	LoginFailed    Action = "login_failed"
	Logout         Action = "logout"
	Create         Action = "create"
	Update         Action = "update"
	Move           Action = "move"
	Close          Action = "close"
	Reopen         Action = "reopen"
	Delete         Action = "delete"
	Reveal         Action = "reveal"
	Import         Action = "import"
	Export         Action = "export"
	PasswordChange Action = "password_change"
	PasswordReset  Action = "password_reset"
	Lock           Action = "lock"
	Unlock         Action = "unlock"
)

var actionLabels = map[Action]string{
	Login: "登录成功", LoginFailed: "登录失败", Logout: "退出登录", Create: "新增", Update: "修改",
	Move: "移动", Close: "撤销", Reopen: "恢复", Delete: "删除", Reveal: "查看明文", Import: "导入",
	Export: "导出", PasswordChange: "修改密码", PasswordReset: "重置密码", Lock: "锁定账号", Unlock: "解锁账号",
}

// Actions lists every action in display order.
func Actions() []Action {
	return []Action{Login, LoginFailed, Logout, Create, Update, Move, Close, Reopen, Delete, Reveal, Import, Export, PasswordChange, PasswordReset, Lock, Unlock}
}

// Label returns the Chinese name of the action.
func (a Action) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

var entityLabels = map[string]string{
	"org": "组织", "person": "人员", "family": "家庭", "consent": "授权同意", "user": "账号",
	"role": "角色", "dict_item": "字典项", "job": "任务", "session": "会话",
	"case": "维权案件", "referral": "转介", "protection_order": "保护令/告诫书", "mediation": "调解记录",
	"attachment": "附件", "holiday": "节假日", "setting": "设置", "screening": "矛盾纠纷排查", "audit": "审计日志",
	"screening_report": "排查报告", "screening_dispute": "排查发现的纠纷",
}

// EntityLabel returns the Chinese name of an entity type.
func EntityLabel(e string) string {
	if l, ok := entityLabels[e]; ok {
		return l
	}
	return e
}

// Entities lists the entity types with labels, for filters.
func Entities() []string {
	return []string{"org", "person", "family", "consent", "user", "role", "dict_item", "job", "session",
		"case", "referral", "protection_order", "mediation", "attachment", "screening_report", "screening_dispute", "holiday", "setting"}
}

// Entry is one line of the audit log.
type Entry struct {
	ID        int64
	At        time.Time
	UserID    int64
	Username  string
	OrgID     int64
	OrgName   string
	Action    Action
	Entity    string
	EntityID  int64
	Detail    string // JSON: changed fields (sensitive values masked) or a note
	IP        string
	UserAgent string
}

// Change is one changed field: its old and new value, both already masked
// where sensitive.
type Change struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Changes maps a field name to its change.
type Changes map[string]Change

// Set records a change when from and to differ.
func (c Changes) Set(field, from, to string) {
	if from != to {
		c[field] = Change{From: from, To: to}
	}
}

// JSON encodes the changes for Entry.Detail.
func (c Changes) JSON() string {
	if len(c) == 0 {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// Note encodes a free-form detail map for Entry.Detail.
func Note(kv map[string]string) string {
	if len(kv) == 0 {
		return ""
	}
	b, _ := json.Marshal(kv)
	return string(b)
}

// Filter selects audit entries.
type Filter struct {
	UserID   int64
	Username string
	OrgID    int64 // the org and its subtree
	Action   Action
	Entity   string
	EntityID int64
	From, To time.Time // [From, To)
	Cursor   int64     // entries with id < Cursor
	Limit    int
}

// RetentionDays is how long entries are kept at least (等保 2.0).
const RetentionDays = 180
