package dicts

import (
	"fmt"

	"jinguo/internal/orgs"
)

// seed is a built-in dictionary as written below: codes and names in
// display order.
type seed struct {
	name, label string
	items       [][2]string       // code, name
	parents     map[string]string // code → parent code, for two-level lists
}

// seeds returns the built-in dictionaries. A later engine adds its
// dictionary with one more entry here.
func seeds() []seed {
	ethnic := []string{"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
		"满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
		"佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
		"达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
		"塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
		"独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族"}
	ethnicity := make([][2]string, 0, len(ethnic)+2)
	for i, name := range ethnic { // GB/T 3304: codes follow this order
		ethnicity = append(ethnicity, [2]string{fmt.Sprintf("%02d", i+1), name})
	}
	ethnicity = append(ethnicity, [2]string{"97", "其他未识别民族"}, [2]string{"98", "外国血统中国籍人士"})

	var kinds [][2]string
	for _, k := range orgs.Kinds() {
		kinds = append(kinds, [2]string{string(k), k.Label()})
	}

	return []seed{
		{PersonTag, "人员标签", [][2]string{
			{"dibao", "低保"}, {"tekun", "特困"}, {"fanpin", "易返贫致贫"}, {"disabled", "残疾"},
			{"elderly", "老龄"}, {"single_parent", "单亲"}, {"left_behind", "留守儿童家庭"},
			{"migrant_child", "流动儿童家庭"}, {"low_income", "低收入"}, {"veteran_family", "军属"},
			{"new_farmer", "巾帼新农人"}, {"science", "女性科技人才"}, {"legal_literate", "法律明白人"},
			{"executive", "执委"}, {"representative", "妇女代表"},
		}, nil},
		{Ethnicity, "民族", ethnicity, nil},
		{Education, "文化程度", [][2]string{ // GB/T 4658, simplified
			{"10", "研究生"}, {"20", "大学本科"}, {"30", "大学专科"}, {"40", "中等职业教育"},
			{"60", "普通高中"}, {"70", "初中"}, {"80", "小学"}, {"90", "其他"},
		}, nil},
		{Employment, "就业状况", [][2]string{
			{"employed", "在职"}, {"self_employed", "个体经营"}, {"farmer", "务农"}, {"flexible", "灵活就业"},
			{"unemployed", "失业"}, {"retired", "退休"}, {"student", "在校学生"}, {"other", "其他"},
		}, nil},
		{OrgKind, "组织类型", kinds, nil},
		{Relation, "家庭关系", [][2]string{
			{"head", "户主"}, {"spouse", "配偶"}, {"child", "子女"}, {"parent", "父母"}, {"grand", "祖孙"}, {"other", "其他"},
		}, nil},
		caseCategories(),
		{ReferralAgency, "转介机构类型", [][2]string{
			{"police", "公安机关"}, {"court", "人民法院"}, {"procuratorate", "人民检察院"}, {"civil_affairs", "民政部门（救助站、庇护场所）"},
			{"legal_aid", "法律援助中心"}, {"hospital", "医疗机构"}, {"psych", "心理服务机构"}, {"school", "学校"}, {"other", "其他"},
		}, nil},
	}
}

// caseCategories is the two-level list federations report rights cases by.
// Items under "consult" are consultation only: they may be closed at intake
// with the advice given.
func caseCategories() seed {
	groups := []struct {
		code, name string
		subs       [][2]string
	}{
		{"marriage", "婚姻家庭", [][2]string{
			{"dv", "家庭暴力"}, {"divorce", "离婚"}, {"custody", "子女抚养"}, {"elder_support", "赡养"},
			{"property_division", "财产分割"}, {"cohabitation", "同居纠纷"}, {"affair", "婚外情"}, {"marriage_other", "其他婚姻家庭纠纷"},
		}},
		{"property", "财产权益", [][2]string{
			{"land", "土地承包和集体收益"}, {"housing", "房产"}, {"inheritance", "继承"}, {"property_other", "其他财产权益"},
		}},
		{"labor", "劳动和社会保障权益", [][2]string{
			{"wages", "劳动报酬"}, {"maternity", "孕期产期哺乳期权益"}, {"discrimination", "就业性别歧视"},
			{"social_insurance", "社会保险"}, {"labor_other", "其他劳动权益"},
		}},
		{"personal", "人身权益", [][2]string{
			{"harassment", "性骚扰"}, {"trafficking", "拐卖妇女"}, {"personal_other", "其他人身权益"},
		}},
		{"child", "儿童权益", [][2]string{
			{"child_abuse", "侵害儿童"}, {"guardianship", "监护缺失"}, {"child_education", "受教育权"}, {"child_other", "其他儿童权益"},
		}},
		{"consult", "咨询", [][2]string{
			{"legal_consult", "法律咨询"}, {"psych_consult", "心理咨询"}, {"family_edu_consult", "家庭教育咨询"},
		}},
		{"other", "其他", nil},
	}
	s := seed{name: CaseCategory, label: "案件类别", parents: map[string]string{}}
	for _, g := range groups {
		s.items = append(s.items, [2]string{g.code, g.name})
		for _, sub := range g.subs {
			s.items = append(s.items, sub)
			s.parents[sub[0]] = g.code
		}
	}
	return s
}

// Seeds returns the built-in dictionaries with their initial items, in
// display order. Items are enabled and sorted 10, 20, 30… so an admin can
// slot a new item between two of them.
func Seeds() []Dictionary {
	ss := seeds()
	out := make([]Dictionary, len(ss))
	for i, s := range ss {
		d := Dictionary{Name: s.name, Label: s.label, BuiltIn: true, Items: make([]Item, len(s.items)), ItemCount: len(s.items)}
		for j, it := range s.items {
			d.Items[j] = Item{Dict: s.name, Code: it[0], Name: it[1], ParentCode: s.parents[it[0]], Sort: (j + 1) * 10, Enabled: true}
		}
		out[i] = d
	}
	return out
}

// Seeded reports whether code is one of the built-in items of dict. Such
// codes are referred to by name elsewhere and come back at every start, so
// they can be disabled but not deleted.
func Seeded(dict, code string) bool {
	for _, s := range seeds() {
		if s.name != dict {
			continue
		}
		for _, it := range s.items {
			if it[0] == code {
				return true
			}
		}
	}
	return false
}
