package web

import (
	"strings"

	"jinguo/internal/auth"
)

type navGroup struct {
	Label string
	Items []navItem
}

type navItem struct {
	Label  string
	Href   string
	Active bool
}

type menuItem struct {
	label, href string
	perm        auth.Permission
}

type menuGroup struct {
	group string
	items []menuItem
}

// menu is the sidebar, grouped by engine. Each engine adds its group here;
// an item shows only to actors holding its permission.
var menu = []menuGroup{
	{"工作台", []menuItem{
		{"首页", "/", ""},
	}},
	{"组织", []menuItem{
		{"组织架构", "/orgs", auth.OrgsRead},
	}},
	{"妇女儿童和家庭", []menuItem{
		{"人员档案", "/people", auth.PeopleRead},
		{"家庭", "/families", auth.PeopleRead},
		{"导入人员", "/people/import", auth.PeopleImport},
	}},
	{"维权服务", []menuItem{
		{"登记求助", "/cases/new", auth.CasesIntake},
		{"案件列表", "/cases", auth.CasesRead},
		{"超期和临期", "/cases/overdue", auth.CasesRead},
		{"矛盾纠纷排查", "/screening", auth.CasesRead},
		{"统计分析", "/cases/stats", auth.CasesRead},
	}},
	{"系统管理", []menuItem{
		{"账号", "/users", auth.UsersRead},
		{"角色", "/roles", auth.UsersRead},
		{"字典", "/dicts", auth.DictsWrite},
		{"审计日志", "/audit", auth.AuditRead},
		{"办理时限和节假日", "/settings/cases", auth.CasesAdmin},
	}},
	{"我的", []menuItem{
		{"消息提醒", "/notifications", ""},
		{"修改密码", "/account/password", ""},
	}},
}

// navFor builds the sidebar for a, marking the item that best matches path.
func navFor(a auth.Actor, path string) []navGroup {
	best, bestLen := "", -1
	for _, g := range menu {
		for _, it := range g.items {
			if (path == it.href || strings.HasPrefix(path, it.href+"/") || it.href == "/" && path == "/") && len(it.href) > bestLen {
				best, bestLen = it.href, len(it.href)
			}
		}
	}
	var out []navGroup
	for _, g := range menu {
		ng := navGroup{Label: g.group}
		for _, it := range g.items {
			if it.perm != "" && !a.Can(it.perm) {
				continue
			}
			ng.Items = append(ng.Items, navItem{Label: it.label, Href: it.href, Active: it.href == best})
		}
		if len(ng.Items) > 0 {
			out = append(out, ng)
		}
	}
	return out
}
