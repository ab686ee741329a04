package demo

// The rights-case side of the demo city: the holiday calendar, the 12338
// hotline's cases from intake to archive, referrals, protection orders,
// mediation, online help requests and the villages' monthly dispute
// screening — so a newcomer finds a hotline that has been running.
//
// Everything goes through the store's public methods, as the demo accounts
// where the work happens at their orgs (city_cadre takes the calls,
// district_cadre and township_cadre handle, village_cadre mediates) and
// elsewhere as the org's contact person acting for her federation without
// an account. The store's clock cannot be moved from here, so every case
// is registered today: its history is in its state, records and timeline,
// not in its dates. Deadlines run from today, so the due-soon lists fill at
// once and the overdue list and escalation fill as the days pass.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/workdays"
)

// holidaySpan is one holiday of the State Council's yearly notice: the days
// off, and the weekend days worked to make up for them (调休).
type holidaySpan struct {
	name     string
	from, to string
	workdays []string
}

// publicHolidays are the public holidays and make-up working days of 2024,
// 2025 and 2026 as published by the General Office of the State Council
// (国务院办公厅关于部分节假日安排的通知, issued 2023-10-25, 2024-11-12 and
// 2025-11-04). From 2025 the Spring Festival and Labour Day gained a day
// each. Every day of a span is listed, weekends included, so the calendar
// page shows the holiday as people know it.
var publicHolidays = []holidaySpan{
	{"元旦", "2024-01-01", "2024-01-01", nil},
	{"春节", "2024-02-10", "2024-02-17", []string{"2024-02-04", "2024-02-18"}},
	{"清明节", "2024-04-04", "2024-04-06", []string{"2024-04-07"}},
	{"劳动节", "2024-05-01", "2024-05-05", []string{"2024-04-28", "2024-05-11"}},
	{"端午节", "2024-06-10", "2024-06-10", nil},
	{"中秋节", "2024-09-15", "2024-09-17", []string{"2024-09-14"}},
	{"国庆节", "2024-10-01", "2024-10-07", []string{"2024-09-29", "2024-10-12"}},

	{"元旦", "2025-01-01", "2025-01-01", nil},
	{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
	{"清明节", "2025-04-04", "2025-04-06", nil},
	{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
	{"端午节", "2025-05-31", "2025-06-02", nil},
	{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},

	{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
	{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
	{"清明节", "2026-04-04", "2026-04-06", nil},
	{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
	{"端午节", "2026-06-19", "2026-06-21", nil},
	{"中秋节", "2026-09-25", "2026-09-27", nil},
	{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic("demo: bad date " + s)
	}
	return t
}

// caseKind is a kind of request with what callers say and what handlers
// write: the raw material the cases are drawn from.
type caseKind struct {
	category   string
	weight     int
	summaries  []string
	details    []string // what happened, after the complainant's name
	wants      []string // what she asks for
	respondent []string // who the complaint is about; "" for none
	results    []string
	measures   []string
	agencies   []string // referral_agency codes, likeliest first
	mediation  []string // agreements reached; nil when mediation does not fit
	minAge     int      // of the complainant
}

var caseKinds = []caseKind{
	{
		category: "dv", weight: 25,
		summaries: []string{"丈夫酒后多次殴打，请求帮助", "遭受丈夫家暴，想申请人身安全保护令", "离婚后前夫仍不断骚扰威胁",
			"长期遭受丈夫辱骂和经济控制", "丈夫动手打人，孩子也受到惊吓", "同居男友限制人身自由并殴打", "丈夫赌博输钱后打骂索要钱财"},
		details: []string{"称与丈夫结婚多年，对方酗酒后经常动手打人，最近一次是昨天晚上，脸部和手臂有淤青。",
			"称丈夫脾气暴躁，稍有不顺就摔东西、打人，近半年越来越频繁，曾报警但对方仍不收敛。",
			"称丈夫控制家中全部收入，不让其与亲友来往，经常当着孩子的面辱骂、推搡。",
			"称离婚后前夫经常到其住处和单位纠缠，发信息威胁要“让她好看”，其不敢独自出门。",
			"称丈夫赌博欠债，多次向其索要钱财，不给就打骂，前天晚上被打伤到医院就诊。"},
		wants: []string{"希望妇联帮助制止暴力。", "想了解如何申请人身安全保护令。", "想离婚，但担心孩子抚养权。",
			"希望有人上门调解，暂时不想报警。", "希望找个安全的地方暂住。"},
		respondent: []string{"丈夫", "丈夫", "丈夫", "前夫", "同居男友"},
		results: []string{"经转介公安机关出警处置，对施暴人出具家庭暴力告诫书，求助人暂住娘家，目前安全状况稳定。",
			"协助求助人向法院申请人身安全保护令并获签发，落实社区网格员定期走访。",
			"妇联会同派出所、社区上门，施暴人书面保证不再施暴，双方同意参加家庭关系辅导。",
			"协助求助人入住救助管理站临时庇护，并对接法律援助中心代理离婚诉讼。",
			"经多方工作，求助人已提起离婚诉讼，法律援助律师代理，暴力行为已停止。"},
		measures: []string{"联系辖区派出所；制定安全计划；告知紧急求助电话110、12338；网格员每周走访。",
			"转介法律援助中心；协助收集就医记录、报警回执等证据；心理疏导两次。",
			"联合派出所上门告诫；签订家庭暴力保证书；村（社区）妇联主席跟踪回访。"},
		agencies: []string{"police", "legal_aid", "court", "civil_affairs", "psych", "hospital"},
		minAge:   20,
	},
	{
		category: "divorce", weight: 11,
		summaries: []string{"丈夫长期不归家，咨询离婚程序和财产分割", "协议离婚时对子女抚养有分歧", "丈夫起诉离婚，想了解自身权益",
			"想离婚但丈夫不同意，请求帮助", "婚后感情破裂，要求妇联调解"},
		details: []string{"称丈夫外出务工三年很少回家，也不寄生活费，夫妻感情已经破裂。",
			"称与丈夫协商离婚，但双方都想要孩子的抚养权，迟迟谈不拢。",
			"称收到法院传票，丈夫起诉离婚，其不知道如何应诉。",
			"称夫妻长期分居，多次提出离婚对方均不同意，还扬言离婚就不给抚养费。"},
		wants:      []string{"希望妇联帮助调解。", "想了解离婚的法律程序。", "希望申请法律援助。"},
		respondent: []string{"丈夫"},
		results: []string{"经婚姻家庭纠纷调解，双方达成离婚协议，已到婚姻登记机关办理离婚登记。",
			"提供离婚诉讼法律指引，转介法律援助中心指派律师代理。",
			"经调解双方同意和好，暂不离婚，约定每月固定家庭开支。",
			"已告知诉讼离婚程序及证据准备要点，求助人表示自行向法院起诉。"},
		measures: []string{"婚姻家庭纠纷人民调解；法律咨询；转介法律援助。", "组织双方面对面调解两次；解答《民法典》婚姻家庭编相关规定。"},
		agencies: []string{"legal_aid", "court"},
		mediation: []string{"双方自愿离婚；婚生子由女方抚养，男方每月支付抚养费1500元至孩子年满十八周岁；共同存款平均分割。",
			"双方同意和好；男方每月按时交付家庭生活费4000元，不再无故夜不归宿。"},
		minAge: 22,
	},
	{
		category: "custody", weight: 8,
		summaries: []string{"离婚后对方拒不支付抚养费", "前夫阻挠探望孩子", "离婚后争夺孩子抚养权", "抚养费长期拖欠，生活困难"},
		details: []string{"称离婚时约定对方每月支付抚养费，但已有半年分文未付，孩子上学费用难以承担。",
			"称孩子随前夫生活，前夫以各种理由不让其探望，已经三个月没见到孩子。",
			"称离婚后前夫要求变更抚养权，经常到学校把孩子接走不送回。"},
		wants:      []string{"希望妇联帮助督促对方履行。", "希望妇联出面协调探望时间。", "想知道能不能申请强制执行。"},
		respondent: []string{"前夫"},
		results: []string{"经调解对方同意按月支付抚养费1500元，并在三个月内补足欠款。",
			"协助求助人向法院申请强制执行抚养费，法院已立案执行。",
			"双方就探望时间和方式达成书面协议，已按约定探望两次。"},
		measures:  []string{"组织双方调解；解答抚养费标准和强制执行程序；转介法律援助。", "联系学校配合；组织亲子关系辅导。"},
		agencies:  []string{"legal_aid", "court", "school"},
		mediation: []string{"男方每月10日前支付抚养费1500元，欠付的9000元分三个月付清。", "女方每月第一、三个周末可接孩子探望，寒暑假各可共同生活两周。"},
		minAge:    24,
	},
	{
		category: "elder_support", weight: 8,
		summaries: []string{"子女拒绝赡养年迈母亲", "兄弟之间推诿赡养义务", "老人住房被儿子占用", "儿媳不让老人进门"},
		details: []string{"称今年七十多岁，丈夫去世后独自生活，三个子女都不愿承担赡养费用，看病也没人管。",
			"称两个儿子互相推诿，谁都不愿接其同住，现在暂住在亲戚家。",
			"称自己的房子被小儿子一家占住，其被迫住在原来的柴房里。"},
		wants:      []string{"希望妇联帮忙协调子女赡养。", "希望能住回自己的房子。"},
		respondent: []string{"儿子", "儿子", "女儿"},
		results: []string{"经村调委会和妇联调解，子女达成轮流赡养协议，每人每月支付生活费600元。",
			"经调解，小儿子一家搬出，老人已住回自己的房屋，村妇联主席定期探望。",
			"子女同意共同承担医疗费用，由长子负责日常照料。"},
		measures:  []string{"联合村调委会入户调解；宣讲《老年人权益保障法》；纳入关爱走访名单。"},
		agencies:  []string{"civil_affairs", "legal_aid"},
		mediation: []string{"三名子女按月轮流赡养母亲，每人每月另付生活费600元，医疗费用三人平均分担。", "长子负责日常照料，次子、女儿每月各付赡养费800元。"},
		minAge:    60,
	},
	{
		category: "property_division", weight: 6,
		summaries: []string{"离婚时对共同房产分割有争议", "丈夫隐匿转移夫妻共同财产", "婚前房产加名纠纷"},
		details: []string{"称正在协商离婚，双方婚后共同购买的住房如何分割谈不拢。",
			"称发现丈夫把存款转到其父母名下，担心离婚时分不到应得的财产。"},
		wants:      []string{"想了解法律规定。", "希望妇联帮助调解。"},
		respondent: []string{"丈夫"},
		results:    []string{"经调解双方就房产分割达成一致：房屋归女方，女方补偿男方30万元。", "已告知财产保全和诉讼程序，转介法律援助。"},
		measures:   []string{"法律咨询；调解；转介法律援助中心。"},
		agencies:   []string{"legal_aid", "court"},
		mediation:  []string{"婚后共同购买的住房归女方所有，女方于六个月内补偿男方30万元；车辆归男方。"},
		minAge:     25,
	},
	{
		category: "cohabitation", weight: 2,
		summaries: []string{"同居分手后财产返还纠纷", "同居期间生育子女，对方不承担抚养责任"},
		details:   []string{"称与对方同居五年未办结婚登记，分手后对方拒绝返还其出资购买的车辆。"},
		wants:     []string{"希望妇联帮助调解。"}, respondent: []string{"同居男友"},
		results:  []string{"经调解对方同意返还出资款8万元。"},
		measures: []string{"法律咨询；调解。"}, agencies: []string{"legal_aid"},
		mediation: []string{"男方于两个月内返还女方购车出资款8万元。"},
		minAge:    22,
	},
	{
		category: "affair", weight: 2,
		summaries: []string{"丈夫婚外情，要求维护婚姻权益"},
		details:   []string{"称发现丈夫与他人保持不正当关系，并将家中存款用于对方。"},
		wants:     []string{"想知道能否追回被挥霍的夫妻共同财产。"}, respondent: []string{"丈夫"},
		results:  []string{"已解答夫妻共同财产返还及离婚损害赔偿的相关规定，并进行心理疏导。"},
		measures: []string{"法律咨询；心理疏导。"}, agencies: []string{"psych", "legal_aid"},
		minAge: 25,
	},
	{
		category: "land", weight: 4,
		summaries: []string{"出嫁女土地承包权益被取消", "离婚妇女未分到村集体收益", "征地补偿款未分给外嫁女"},
		details:   []string{"称婚后户口仍在本村，但村里以“嫁出去的女儿泼出去的水”为由取消了其集体收益分配资格。"},
		wants:     []string{"希望依法享有与其他村民同等的权益。"}, respondent: []string{""},
		results:  []string{"经妇联与镇政府、村委会协调，已恢复其集体收益分配资格并补发2025年度分红。", "村民代表会议已修改村规民约中的歧视性条款。"},
		measures: []string{"与镇农业农村办、村委会沟通；推动修订村规民约；法律宣传。"}, agencies: []string{"legal_aid", "other"},
		minAge: 25,
	},
	{
		category: "inheritance", weight: 3,
		summaries: []string{"父亲去世后兄弟不让女儿继承遗产"},
		details:   []string{"称父亲去世后留下一套房屋，兄弟认为出嫁女没有继承权，不让其参与分配。"},
		wants:     []string{"希望依法继承。"}, respondent: []string{"兄弟"},
		results:  []string{"经调解兄妹三人按法定继承平均分割遗产。"},
		measures: []string{"解答《民法典》继承编规定；家庭调解。"}, agencies: []string{"legal_aid"},
		mediation: []string{"房屋由长兄继承，长兄分别补偿两个妹妹各15万元。"},
		minAge:    30,
	},
	{
		category: "wages", weight: 3,
		summaries: []string{"被拖欠工资三个月", "家政服务工资被克扣"},
		details:   []string{"称在一家服装厂上班，老板以效益不好为由拖欠三个月工资。"},
		wants:     []string{"希望帮助讨回工资。"}, respondent: []string{"用人单位"},
		results:  []string{"转介劳动保障监察部门，用人单位已补发拖欠工资。"},
		measures: []string{"联系区人力社保局劳动保障监察大队；告知劳动仲裁程序。"}, agencies: []string{"other", "legal_aid"},
		minAge: 20,
	},
	{
		category: "maternity", weight: 4,
		summaries: []string{"怀孕后被公司调岗降薪", "产假期间被辞退", "哺乳期被要求加班"},
		details:   []string{"称告知单位怀孕后，被从管理岗调到仓库，工资降了三分之一。", "称休产假期间收到公司解除劳动合同通知。"},
		wants:     []string{"想知道单位的做法是否合法。", "希望恢复原岗位和待遇。"}, respondent: []string{"用人单位"},
		results:  []string{"经与用人单位沟通，公司已撤销解除劳动合同决定，恢复原岗位。", "协助申请劳动仲裁，仲裁委支持其恢复劳动关系的请求。"},
		measures: []string{"约谈用人单位；告知《女职工劳动保护特别规定》；转介法律援助。"}, agencies: []string{"other", "legal_aid"},
		minAge: 22,
	},
	{
		category: "discrimination", weight: 1,
		summaries: []string{"招聘时被询问婚育情况并拒绝录用"},
		details:   []string{"称面试时被问是否已婚已育，得知其未生育后被告知“不考虑”。"},
		wants:     []string{"希望妇联帮助维权。"}, respondent: []string{"用人单位"},
		results:  []string{"会同人社部门约谈企业，企业已整改招聘要求。"},
		measures: []string{"约谈企业；联合人社部门开展就业性别歧视专项检查。"}, agencies: []string{"other"},
		minAge: 20,
	},
	{
		category: "social_insurance", weight: 1,
		summaries: []string{"单位未缴纳生育保险，无法报销生育费用"},
		details:   []string{"称入职两年单位一直未缴纳社会保险，生孩子的费用无法报销。"},
		wants:     []string{"希望单位补缴。"}, respondent: []string{"用人单位"},
		results:  []string{"转介劳动保障监察部门，单位已补缴社会保险并支付生育医疗费用。"},
		measures: []string{"联系社保经办机构；告知投诉渠道。"}, agencies: []string{"other"},
		minAge: 22,
	},
	{
		category: "harassment", weight: 2,
		summaries: []string{"遭受上司性骚扰", "被同事发送骚扰信息"},
		details:   []string{"称部门主管多次言语挑逗并有不当肢体接触，其拒绝后被故意刁难。"},
		wants:     []string{"希望妇联帮助，又担心失去工作。"}, respondent: []string{"上司"},
		results:  []string{"协助向单位工会和纪检部门反映，当事人已被调离岗位并受到处分。"},
		measures: []string{"心理疏导；协助固定证据；督促单位落实防治性骚扰制度。"}, agencies: []string{"psych", "police"},
		minAge: 20,
	},
	{
		category: "child_abuse", weight: 2,
		summaries: []string{"邻居反映孩子经常被继父打骂", "孩子身上多处伤痕，疑遭家长虐待"},
		details:   []string{"反映邻居家孩子经常被继父打骂，夜里常听到哭喊声，孩子身上有明显伤痕。"},
		wants:     []string{"希望有关部门尽快介入。"}, respondent: []string{"继父"},
		results:  []string{"会同派出所、学校上门核实，对监护人进行训诫，孩子由外婆临时照料，学校安排心理老师跟进。"},
		measures: []string{"强制报告；联系派出所、学校；列入困境儿童关爱名单。"}, agencies: []string{"police", "school", "civil_affairs"},
		minAge: 30,
	},
	{
		category: "guardianship", weight: 2,
		summaries: []string{"父母外出务工，孩子无人照看", "母亲去世父亲服刑，孩子监护缺失"},
		details:   []string{"反映村里一名八岁儿童父母均在外地务工，祖母年老多病，孩子经常独自在家。"},
		wants:     []string{"希望帮助落实监护照料。"}, respondent: []string{""},
		results:  []string{"已落实村儿童主任定期探访，联系民政部门纳入困境儿童保障，孩子已入住学校寄宿部。"},
		measures: []string{"联系民政部门；落实儿童主任；“爱心妈妈”结对帮扶。"}, agencies: []string{"civil_affairs", "school"},
		minAge: 30,
	},
	{
		category: "child_education", weight: 1,
		summaries: []string{"孩子被要求辍学打工"},
		details:   []string{"反映亲戚家十五岁的女孩被父母要求辍学外出打工。"},
		wants:     []string{"希望保障孩子读书。"}, respondent: []string{"孩子父亲"},
		results:  []string{"会同教育部门上门劝返，孩子已返校就读。"},
		measures: []string{"联系学校、教育部门控辍保学；家庭教育指导。"}, agencies: []string{"school"},
		minAge: 30,
	},
}

// consultKinds are answered on the call and closed at intake.
var consultKinds = []struct {
	category string
	pairs    [][2]string // summary, advice
}{
	{"legal_consult", [][2]string{
		{"咨询离婚时夫妻共同财产如何分割", "已解答《民法典》关于夫妻共同财产分割的规定，建议先协商，协商不成可向法院起诉，并告知可申请法律援助。"},
		{"咨询彩礼返还问题", "已解答彩礼返还的司法解释规定及所需证据，建议先行协商。"},
		{"咨询抚养费标准", "已告知抚养费一般按月收入的20%至30%确定，可协议或诉讼解决。"},
		{"咨询离婚冷静期", "已解答协议离婚三十日冷静期的规定和办理流程。"},
		{"咨询婚前财产约定", "已解答夫妻财产约定的形式和效力，建议书面约定并可办理公证。"},
	}},
	{"psych_consult", [][2]string{
		{"婚姻关系紧张，情绪低落需要心理疏导", "已进行心理疏导约30分钟，求助人情绪平稳，已告知心理援助热线，约定一周后回访。"},
		{"产后情绪低落，家人不理解", "已进行倾听和情绪疏导，建议到市妇幼保健院心理门诊就诊，并与家人沟通。"},
	}},
	{"family_edu_consult", [][2]string{
		{"孩子沉迷手机，咨询家庭教育方法", "已提供家庭教育指导建议，推荐参加社区家长学校课程。"},
		{"青春期孩子叛逆，亲子沟通困难", "已介绍亲子沟通方法，推荐市妇联家庭教育公益讲座。"},
	}},
}

var (
	declineReasons = []string{"不属于妇联维权受理范围，已告知当事人向劳动人事争议仲裁委员会申请仲裁。",
		"该纠纷已进入诉讼程序，已告知当事人依法参加诉讼，可申请法律援助。",
		"来电反映的是物业纠纷，已告知向街道物业管理部门反映。",
		"求助人表示已自行解决，不再需要帮助。"}
	returnReasons = []string{"经核实，当事人户籍和现居住地均不在本辖区。", "当事人已搬迁，现居住地不在本街道（镇）。"}
	extendReasons = []string{"当事人需补充证据材料，调解需再次组织。", "案件涉及诉讼程序，需等待法院立案结果。", "对方当事人长期在外务工，暂未联系上。"}
	takeNotes     = []string{"已电话联系求助人，约定上门走访。", "已接办，当天联系求助人了解情况。", "已联系村（社区）妇联主席共同处理。", ""}
	superviseText = []string{"请于3个工作日内联系当事人并反馈办理情况。", "该案件群众反映强烈，请加快办理，及时上报进展。", "请会同派出所落实安全措施，每日报告进展。"}
	followNotes   = map[cases.Satisfaction][]string{
		cases.Satisfied:          {"求助人对处理结果表示满意，感谢妇联帮助。", "回访时求助人表示问题已解决，生活恢复正常。", "求助人表示满意。"},
		cases.BasicallySatisfied: {"求助人表示基本满意，希望对方能长期遵守协议。", "基本满意，对办理时间稍长有意见。"},
		cases.Dissatisfied:       {"求助人表示对方仍未履行协议，要求继续处理。", "不满意：问题没有得到根本解决。"},
	}
)

// Agencies a case is referred to, by type, and what they report back.
var agencyOutcomes = map[string][]string{
	"police":        {"已出警处置，对施暴人出具家庭暴力告诫书。", "已立案调查，施暴人被处行政拘留五日。", "已对当事人进行批评教育并出具告诫书。"},
	"court":         {"已签发人身安全保护令。", "已立案受理，定于下月开庭。"},
	"legal_aid":     {"已指派律师提供法律援助，代理诉讼。", "已受理法律援助申请，律师已与当事人面谈。"},
	"civil_affairs": {"已安排临时庇护七天，提供生活救助。", "已纳入临时救助，发放救助金2000元。"},
	"psych":         {"已完成三次心理咨询，情绪明显好转。"},
	"hospital":      {"已完成伤情检查并出具诊断证明。"},
	"school":        {"学校已安排心理老师跟进，并加强与家长联系。"},
	"other":         {"劳动保障监察大队已责令用人单位限期整改。"},
}

// caseLoader holds what the case loading needs: the store, the plan, the
// ids the load handed out and an actor per org.
type caseLoader struct {
	s         *store.Store
	p         *planner
	r         *rand.Rand
	orgIDs    []int64
	personIDs []int64
	now       time.Time
	today     time.Time // China date, UTC midnight
	cal       *workdays.Calendar
	actors    map[int]auth.Actor // by org index
	byOrgName map[string]int
	womenAt   map[int][]int // org index → adult women (person index)
	ages      []int         // by person index
	city      int           // org indexes of the named orgs
	lead      [3]int        // 临江区, 清波街道, 柳浪社区
	cityAdmin auth.Actor
	created   int
	// disputeCases is how many screening disputes may still become cases.
	disputeCases int
}

// loadCases adds the rights-case side of the demo city, after the orgs,
// people and accounts exist: the holiday calendar, the cases, online help
// requests and three months of dispute screening. About 600 cases come
// with the default 5000 women, fewer for a smaller city.
func (p *planner) loadCases(ctx context.Context, s *store.Store, orgIDs, personIDs []int64) error {
	l := &caseLoader{s: s, p: p, orgIDs: orgIDs, personIDs: personIDs, actors: map[int]auth.Actor{},
		byOrgName: map[string]int{}, womenAt: map[int][]int{}}
	// A stream of its own, drawn from the planner's, so the cases are as
	// deterministic as the rest of the city.
	l.r = rand.New(rand.NewPCG(p.r.Uint64(), p.r.Uint64()))
	// Deadlines count working days forward from now, so only the holidays
	// from today on can move one. They go in first; the past ones after the
	// cases, which keeps the calendar the store reads for every step small.
	today := localtime.Today(s.Now())
	if err := l.holidays(ctx, func(d time.Time) bool { return !d.Before(today) }); err != nil {
		return fmt.Errorf("holidays: %w", err)
	}
	if err := l.prepare(ctx); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	if err := l.showcase(ctx); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	n := min(600, max(150, len(p.people)*12/100))
	// One case in ten comes from the screening; the villages are as many
	// in a small demo city as in a large one.
	l.disputeCases = n / 10
	if err := l.screening(ctx); err != nil {
		return fmt.Errorf("screening: %w", err)
	}
	if err := l.helpRequests(ctx); err != nil {
		return fmt.Errorf("help requests: %w", err)
	}
	for l.created < n {
		if err := l.randomCase(ctx); err != nil {
			return fmt.Errorf("cases: %w", err)
		}
	}
	if err := l.holidays(ctx, func(d time.Time) bool { return d.Before(today) }); err != nil {
		return fmt.Errorf("holidays: %w", err)
	}
	return nil
}

// holidays enters the days of publicHolidays that want selects.
func (l *caseLoader) holidays(ctx context.Context, want func(time.Time) bool) error {
	sys := auth.System()
	for _, h := range publicHolidays {
		for d := day(h.from); !d.After(day(h.to)); d = d.AddDate(0, 0, 1) {
			if !want(d) {
				continue
			}
			if err := l.s.SetHoliday(ctx, sys, d, workdays.Holiday, h.name); err != nil {
				return err
			}
		}
		for _, w := range h.workdays {
			if !want(day(w)) {
				continue
			}
			if err := l.s.SetHoliday(ctx, sys, day(w), workdays.Workday, h.name+"调休上班"); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepare builds the actors and indexes.
func (l *caseLoader) prepare(ctx context.Context) error {
	l.now = l.s.Now()
	l.today = localtime.Today(l.now)
	cal, err := l.s.Calendar(ctx)
	if err != nil {
		return err
	}
	l.cal = cal
	for i, o := range l.p.orgs {
		l.byOrgName[o.in.Name] = i
	}
	l.city = l.byOrgName[cityName]
	l.lead = [3]int{l.byOrgName[firstDistrict], l.byOrgName[firstTownOrg], l.byOrgName[firstVillOrg]}
	// The demo accounts act for their orgs; city_cadre is the hotline.
	for _, name := range []string{"city_cadre", "district_cadre", "township_cadre", "village_cadre", "city_admin"} {
		a, err := l.accountActor(ctx, name)
		if err != nil {
			return err
		}
		if name == "city_admin" {
			l.cityAdmin = a
			continue
		}
		l.actors[l.byOrgName[a.OrgName]] = a
	}
	l.ages = make([]int, len(l.p.people))
	for i, pp := range l.p.people {
		id, err := people.ParseIDNumber(pp.in.IDNumber, l.today)
		if err != nil {
			return fmt.Errorf("person %d: %w", i, err)
		}
		l.ages[i] = people.AgeOn(id.BirthDate, l.today)
		if pp.in.Sex == string(people.Female) && l.ages[i] >= 18 {
			l.womenAt[pp.org] = append(l.womenAt[pp.org], i)
		}
	}
	return nil
}

// accountActor is the actor a demo account signs in as, resolved as
// Authenticate does but without opening a session.
func (l *caseLoader) accountActor(ctx context.Context, username string) (auth.Actor, error) {
	u, err := l.s.UserByUsername(ctx, username)
	if err != nil {
		return auth.Actor{}, fmt.Errorf("account %s: %w", username, err)
	}
	role, err := l.s.GetRole(ctx, u.Role)
	if err != nil {
		return auth.Actor{}, fmt.Errorf("account %s: %w", username, err)
	}
	i, ok := l.byOrgName[u.OrgName]
	if !ok {
		return auth.Actor{}, fmt.Errorf("account %s: no org %q", username, u.OrgName)
	}
	a := auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, OrgName: u.OrgName, OrgDepth: l.depth(i), Role: role,
		Scope: auth.ResolveScope(role.Scope, u)}
	if role.Scope == auth.ScopeSubtree && a.OrgDepth == 0 {
		a.Scope = auth.Scope{All: true}
	}
	return a, nil
}

func (l *caseLoader) depth(org int) int {
	d := 0
	for o := l.p.orgs[org].parent; o >= 0; o = l.p.orgs[o].parent {
		d++
	}
	return d
}

// actor acts for org: its demo account, or else its contact person acting
// for the federation without an account. She holds the org administrator's
// role there, as the chair who handles and may open the restricted cases
// of her own org.
func (l *caseLoader) actor(org int) auth.Actor {
	if a, ok := l.actors[org]; ok {
		return a
	}
	var role auth.Role
	for _, r := range auth.BuiltInRoles() {
		if r.Code == auth.RoleOrgAdmin {
			role = r
		}
	}
	o := l.p.orgs[org]
	a := auth.Actor{Username: o.in.Contact, OrgID: l.orgIDs[org], OrgName: o.in.Name, OrgDepth: l.depth(org), Role: role,
		Scope: auth.Scope{Subtrees: []int64{l.orgIDs[org]}}}
	l.actors[org] = a
	return a
}

// caseRun is one case to create and take through its workflow.
type caseRun struct {
	kind      *caseKind
	showcase  bool // one of the fixed opening cases: happens today
	channel   cases.Channel
	village   int   // where the complainant lives (org index)
	intake    int   // org registering it, which makes the follow-up call
	chain     []int // handling orgs from the first down to the one that takes it
	misroute  int   // a sibling that gets it first and returns it; -1 none
	target    cases.State
	risk      []string
	urgent    bool
	restrict  bool
	person    int // complainant in the registry; -1 none
	anonymous bool
	summary   string
	// Extra work on the way.
	supervise, extend bool
	satisfaction      cases.Satisfaction
	orderExpiresIn    int   // > 0: a protection order issued months ago lapses in so many days
	caseID            int64 // set when the case exists already (a screening dispute turned into one)
}

// up returns an org's parent: a village's township, a township's district.
func (l *caseLoader) up(org int) int { return l.p.orgs[org].parent }

func (l *caseLoader) villagesUnder(org int) []int {
	var out []int
	for _, v := range l.p.villages {
		if l.up(v) == org || l.up(l.up(v)) == org {
			out = append(out, v)
		}
	}
	return out
}

// pickVillage chooses where a case comes from: the first district, its
// first township and village get a good share so the demo accounts have
// work of their own.
func (l *caseLoader) pickVillage() int {
	switch x := l.r.Float64(); {
	case x < 0.08:
		return l.lead[2]
	case x < 0.20:
		return pick1(l.r, l.villagesUnder(l.lead[1]))
	case x < 0.34:
		return pick1(l.r, l.villagesUnder(l.lead[0]))
	}
	return pick1(l.r, l.p.villages)
}

func pick1[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// complainant picks a registered woman of at least minAge living at org,
// or -1.
func (l *caseLoader) complainant(org, minAge int) int {
	list := l.womenAt[org]
	for range 6 {
		if len(list) == 0 {
			break
		}
		i := pick1(l.r, list)
		if l.ages[i] >= minAge && (minAge >= 60 || l.ages[i] < 75) {
			return i
		}
	}
	return -1
}

func (l *caseLoader) pickKind() *caseKind {
	total := 0
	for _, k := range caseKinds {
		total += k.weight
	}
	x := l.r.IntN(total)
	for i := range caseKinds {
		if x < caseKinds[i].weight {
			return &caseKinds[i]
		}
		x -= caseKinds[i].weight
	}
	return &caseKinds[0]
}

// randomCase draws one case: a consultation one time in seven, else a
// request taken somewhere along its workflow.
func (l *caseLoader) randomCase(ctx context.Context) error {
	r := l.r
	if r.Float64() < 0.14 {
		return l.consultation(ctx)
	}
	k := l.pickKind()
	c := &caseRun{kind: k, village: l.pickVillage(), misroute: -1, person: -1}
	c.summary = pick(r, k.summaries)
	town := l.up(c.village)
	dist := l.up(town)
	line := []int{dist, town, c.village}
	// Where it enters and how far down it goes.
	start, last := 0, 1
	switch x := r.Float64(); {
	case x < 0.25:
		last = 0
	case x > 0.70:
		last = 2
	}
	switch x := r.Float64(); {
	case x < 0.64:
		c.channel, c.intake = cases.Hotline, l.city
	case x < 0.70:
		c.channel, c.intake = cases.Letter, l.city
	case x < 0.78:
		c.channel, c.intake = cases.Referral, dist
	default:
		c.channel = cases.Visit
		if last >= 1 && r.Float64() < 0.6 {
			start = 1
		}
		c.intake = line[start]
	}
	if k.category == "dv" {
		switch x := r.Float64(); {
		case x < 0.3:
			c.risk = []string{pick(r, []string{"threat_to_kill", "strangulation", "weapon"}), "escalating"}
			if r.Float64() < 0.5 {
				c.risk = append(c.risk, "children_harmed")
			}
			last = min(last, 1) // high risk stays with the township or above
		case x < 0.65:
			c.risk = []string{"escalating", "substance"}
			if r.Float64() < 0.4 {
				c.risk = append(c.risk, "control")
			}
		default:
			c.risk = []string{"control"}
		}
	}
	if k.category == "child_abuse" {
		c.urgent = true
	}
	if k.category == "harassment" && r.Float64() < 0.6 {
		c.restrict = true // marked by the handler: the complainant fears for her job
	}
	c.chain = line[start : last+1]
	if len(c.chain) >= 2 && c.chain[0] == dist && r.Float64() < 0.06 {
		// First sent to the wrong township, which returns it.
		others := []int{}
		for _, t := range l.p.townships {
			if l.up(t) == dist && t != town {
				others = append(others, t)
			}
		}
		if len(others) > 0 {
			c.misroute = pick1(r, others)
		}
	}
	c.target = pickTarget(r)
	c.satisfaction = pickSatisfaction(r)
	c.supervise = c.target.Open() && c.target != cases.Registered && r.Float64() < 0.12
	c.extend = c.target == cases.InProgress && r.Float64() < 0.15
	c.person = l.complainant(c.village, k.minAge)
	c.anonymous = c.channel == cases.Hotline && r.Float64() < 0.05
	if k.category == "dv" && len(c.risk) > 0 && c.risk[0] != "control" && c.risk[0] != "escalating" && r.Float64() < 0.1 {
		c.orderExpiresIn = 1 + r.IntN(6)
	}
	return l.run(ctx, c)
}

func pickTarget(r *rand.Rand) cases.State {
	x := r.Float64()
	for _, t := range []struct {
		st cases.State
		p  float64
	}{
		{cases.Registered, 0.06}, {cases.Declined, 0.03}, {cases.Accepted, 0.05}, {cases.Assigned, 0.07},
		{cases.InProgress, 0.16}, {cases.Closed, 0.13}, {cases.FollowedUp, 0.28},
	} {
		if x < t.p {
			return t.st
		}
		x -= t.p
	}
	return cases.Archived
}

func pickSatisfaction(r *rand.Rand) cases.Satisfaction {
	switch x := r.Float64(); {
	case x < 0.76:
		return cases.Satisfied
	case x < 0.95:
		return cases.BasicallySatisfied
	}
	return cases.Dissatisfied
}

// consultation is a question answered on the call (or at the counter) and
// closed at intake with the advice given.
func (l *caseLoader) consultation(ctx context.Context) error {
	r := l.r
	k := pick1(r, consultKinds)
	if r.Float64() < 0.5 {
		k = consultKinds[0] // legal questions are most of them
	}
	pair := pick1(r, k.pairs)
	org, ch := l.city, cases.Hotline
	if r.Float64() < 0.2 {
		org, ch = l.up(l.up(l.pickVillage())), cases.Visit
	}
	a := l.actor(org)
	in := cases.Intake{Channel: ch, Category: k.category, Summary: pair[0], OrgID: l.orgIDs[org],
		Description: "来电人" + pair[0] + "。", Anonymous: r.Float64() < 0.4}
	if ch == cases.Visit {
		in.Description = "来访人" + pair[0] + "。"
	}
	rec, _, err := l.s.CreateCase(ctx, a, in)
	if err != nil {
		return fmt.Errorf("consultation: %w", err)
	}
	l.created++
	if _, err := l.s.Transition(ctx, a, rec.ID, cases.Close, cases.Input{Result: pair[1], Measures: "当场解答"}); err != nil {
		return fmt.Errorf("consultation %s: close: %w", rec.Number, err)
	}
	if r.Float64() < 0.45 {
		if _, err := l.s.Transition(ctx, a, rec.ID, cases.Archive, cases.Input{}); err != nil {
			return fmt.Errorf("consultation %s: archive: %w", rec.Number, err)
		}
	}
	return nil
}

// intake builds what the operator records.
func (l *caseLoader) intake(c *caseRun) cases.Intake {
	r, k := l.r, c.kind
	in := cases.Intake{Channel: c.channel, Category: k.category, Summary: c.summary, OrgID: l.orgIDs[c.chain[0]],
		Urgent: c.urgent, Restricted: c.restrict, RiskAnswers: c.risk, Anonymous: c.anonymous}
	if c.misroute >= 0 {
		in.OrgID = l.orgIDs[l.up(c.misroute)]
	}
	name := surname(r) + womanGiven(r, l.today.Year()-k.minAge-r.IntN(20))
	phone := mobile(r)
	if c.person >= 0 {
		pp := l.p.people[c.person].in
		name, phone = pp.Name, pp.Phone
		in.PersonID = l.personIDs[c.person]
	}
	place := l.p.orgs[c.village].place
	who := "求助人"
	switch c.channel {
	case cases.Hotline:
		who = "来电人"
	case cases.Visit:
		who = "来访人"
	case cases.Letter:
		who = "来信人"
	}
	desc := fmt.Sprintf("%s%s，住%s，%s%s", who, name, place, pick(r, k.details), pick(r, k.wants))
	if c.anonymous {
		desc = fmt.Sprintf("%s（匿名）%s%s", who, pick(r, k.details), pick(r, k.wants))
	}
	if c.channel == cases.Referral {
		agency := districtName(l, c.village) + "公安分局" + l.townName(c.village) + "派出所"
		if c.kind.category != "dv" {
			agency = districtName(l, c.village) + "人民法院"
		}
		desc = "由" + agency + "转介。" + desc
	}
	if c.orderExpiresIn > 0 {
		desc += fmt.Sprintf("求助人此前已获人身安全保护令，将于%d天后到期，担心到期后再次遭受暴力。", c.orderExpiresIn)
	}
	in.Description = desc
	if c.anonymous {
		in.PersonID = 0
		return in
	}
	if phone != "" && r.Float64() < 0.9 {
		in.ContactPhone = phone
	}
	party := cases.Party{Role: cases.Complainant, Name: name, Phone: in.ContactPhone}
	if c.person >= 0 {
		party.PersonID = in.PersonID
		party.Address = l.p.people[c.person].in.AddressDetail
	}
	in.Parties = append(in.Parties, party)
	if resp := pick(r, k.respondent); resp != "" {
		rn := surname(r) + manGiven(r, l.today.Year()-30-r.IntN(25))
		if resp == "用人单位" {
			rn = pick(r, []string{"某服装有限公司", "某电子科技有限公司", "某家政服务公司", "某商贸有限公司", "某餐饮管理公司"})
		}
		in.Parties = append(in.Parties, cases.Party{Role: cases.Respondent, Name: rn, Note: resp})
	}
	if k.category == "custody" || k.category == "child_abuse" || k.category == "guardianship" || k.category == "child_education" ||
		(k.category == "dv" && hasRisk(c.risk, "children_harmed")) {
		in.Parties = append(in.Parties, cases.Party{Role: cases.Child, Name: surname(r) + womanGiven(r, l.today.Year()-6-r.IntN(9)), Minor: true})
	}
	return in
}

func hasRisk(list []string, code string) bool {
	for _, x := range list {
		if x == code {
			return true
		}
	}
	return false
}

func districtName(l *caseLoader, village int) string {
	return districts[l.p.orgs[village].district].name
}

// townName is the name of a village's township without its district:
// 清波街道, 青桥镇.
func (l *caseLoader) townName(village int) string {
	return strings.TrimPrefix(l.p.orgs[l.up(village)].place, districtName(l, village))
}

// run registers c and takes it as far as its target state, with the
// records a handler keeps on the way.
func (l *caseLoader) run(ctx context.Context, c *caseRun) error {
	// Each case happens on its own dates: finished ones over the past year,
	// open ones over the past weeks (some past their deadlines by now), each
	// step a few hours to a few days after the one before.
	// The showcase cases are recent, so what they show (an order about to
	// expire) holds today.
	real, realNow, realToday := l.s, l.now, l.today
	defer func() { l.s, l.now, l.today = real, realNow, realToday }()
	var at time.Time
	switch {
	case c.showcase:
		at = realNow.Add(-time.Duration(l.r.IntN(24)+2) * time.Hour)
	case c.target.Open():
		at = realNow.Add(-time.Duration(l.r.IntN(20*24)+1) * time.Hour)
	default:
		at = realNow.Add(-time.Duration(l.r.IntN(365*24)+14*24) * time.Hour)
	}
	clock := func() time.Time { return at }
	advance := func() {
		step := time.Duration(l.r.IntN(72)+2) * time.Hour
		if c.showcase {
			step = time.Duration(l.r.IntN(30)+1) * time.Minute
		}
		if next := at.Add(step); next.Before(realNow) {
			at = next
		}
		l.now, l.today = at, localtime.Today(at)
	}
	l.s = real.WithClock(clock)
	l.now, l.today = at, localtime.Today(at)
	s, r := l.s, l.r
	in := l.intake(c)
	var id int64
	var number string
	if c.caseID != 0 {
		id = c.caseID
	} else {
		rec, _, err := s.CreateCase(ctx, l.actor(c.intake), in)
		if err != nil {
			return fmt.Errorf("create %s: %w", c.kind.category, err)
		}
		id, number = rec.ID, rec.Number
		l.created++
	}
	do := func(org int, act cases.Action, ci cases.Input) error {
		advance()
		if _, err := s.Transition(ctx, l.actor(org), id, act, ci); err != nil {
			return fmt.Errorf("case %s %d: %s by %s: %w", number, id, act, l.p.orgs[org].in.Name, err)
		}
		return nil
	}
	first := c.chain[0]
	if c.misroute >= 0 {
		first = l.up(c.misroute)
	}
	switch c.target {
	case cases.Registered:
		return nil
	case cases.Declined:
		if err := do(first, cases.Decline, cases.Input{Reason: pick(r, declineReasons)}); err != nil {
			return err
		}
		if r.Float64() < 0.4 {
			return do(c.intake, cases.Archive, cases.Input{})
		}
		return nil
	}
	if err := do(first, cases.Accept, cases.Input{}); err != nil {
		return err
	}
	if c.misroute >= 0 {
		if err := do(first, cases.Assign, cases.Input{OrgID: l.orgIDs[c.misroute], Note: "请尽快联系当事人"}); err != nil {
			return err
		}
		if err := do(c.misroute, cases.Return, cases.Input{Reason: pick(r, returnReasons)}); err != nil {
			return err
		}
	}
	if c.target == cases.Accepted || (c.target == cases.Assigned && len(c.chain) == 1) {
		return l.supervise(ctx, c, id)
	}
	for i := 1; i < len(c.chain); i++ {
		if err := do(c.chain[i-1], cases.Assign, cases.Input{OrgID: l.orgIDs[c.chain[i]], Note: pick(r, []string{"请尽快联系当事人", "请会同村（社区）调委会调解", "请核实情况后办理", ""})}); err != nil {
			return err
		}
	}
	if c.target == cases.Assigned {
		return l.supervise(ctx, c, id)
	}
	handler := c.chain[len(c.chain)-1]
	if err := do(handler, cases.Take, cases.Input{Note: pick(r, takeNotes)}); err != nil {
		return err
	}
	if err := l.records(ctx, c, id, handler); err != nil {
		return fmt.Errorf("case %s: %w", number, err)
	}
	if c.target == cases.InProgress {
		if c.extend {
			if err := do(handler, cases.Extend, cases.Input{Reason: pick(r, extendReasons)}); err != nil {
				return err
			}
		}
		return l.supervise(ctx, c, id)
	}
	if err := do(handler, cases.Close, cases.Input{Result: pick(r, c.kind.results), Measures: pick(r, c.kind.measures)}); err != nil {
		return err
	}
	if c.target == cases.Closed {
		return nil
	}
	follow := c.intake
	sat := c.satisfaction
	if c.target == cases.Archived && sat == cases.Dissatisfied {
		sat = cases.Satisfied
	}
	if err := do(follow, cases.FollowUp, cases.Input{Satisfaction: sat, Note: pick(r, followNotes[sat])}); err != nil {
		return err
	}
	if c.target == cases.Archived {
		return do(follow, cases.Archive, cases.Input{})
	}
	return nil
}

// supervise has the city's administrator supervise some open cases.
func (l *caseLoader) supervise(ctx context.Context, c *caseRun, id int64) error {
	if !c.supervise {
		return nil
	}
	due := l.cal.AddWorkdays(l.now, 3, localtime.Zone, true)
	_, err := l.s.Transition(ctx, l.cityAdmin, id, cases.Supervise, cases.Input{Instructions: pick(l.r, superviseText), DueAt: due})
	if err != nil {
		return fmt.Errorf("case %d: supervise: %w", id, err)
	}
	return nil
}

// records adds the referrals, orders and mediation sessions a handler
// keeps: more of them, and further along, the further the case has come.
func (l *caseLoader) records(ctx context.Context, c *caseRun, id int64, handler int) error {
	s, r, k := l.s, l.r, c.kind
	a := l.actor(handler)
	if a.UserID == 0 {
		// Orgs without a demo account act through their contact person,
		// who has no account and so is nobody's handler: a restricted
		// case's records, open only to its handler, are written as the
		// system instead.
		if rec, err := s.GetCase(ctx, auth.System(), id, false); err == nil && rec.Restricted {
			a = auth.System()
		}
	}
	done := c.target != cases.InProgress // it will be closed
	dist := districtName(l, c.village)
	town := l.townName(c.village)
	agencyName := func(code string) string {
		switch code {
		case "police":
			return dist + "公安分局" + town + "派出所"
		case "court":
			return dist + "人民法院"
		case "legal_aid":
			return dist + "法律援助中心"
		case "civil_affairs":
			return pick(r, []string{"市救助管理站", dist + "民政局"})
		case "psych":
			return "市阳光妈妈公益服务中心心理咨询室"
		case "hospital":
			return pick(r, []string{"市妇幼保健院", "市第一人民医院"})
		case "school":
			return town + "中心小学"
		}
		return dist + "人力资源和社会保障局劳动保障监察大队"
	}
	n := 0
	switch {
	case len(k.agencies) == 0:
	case k.category == "dv" && len(c.risk) >= 2:
		n = 1 + r.IntN(3)
	case r.Float64() < 0.45:
		n = 1
	}
	used := map[string]bool{}
	for i := range n {
		code := k.agencies[0]
		if i > 0 || r.Float64() < 0.3 {
			code = pick(r, k.agencies)
		}
		if used[code] {
			continue
		}
		used[code] = true
		ref, err := s.AddReferral(ctx, a, id, cases.ReferralInput{AgencyType: code, AgencyName: agencyName(code)})
		if err != nil {
			return fmt.Errorf("referral: %w", err)
		}
		// Feedback implies the agency received it: one step, not two.
		switch x := r.Float64(); {
		case (done && x < 0.85) || x < 0.25:
			out := agencyOutcomes[code]
			if _, err := s.UpdateReferralStatus(ctx, a, id, ref.ID, cases.ReferralUpdate{Status: cases.ReferralFeedback, Outcome: pick(r, out)}); err != nil {
				return fmt.Errorf("referral feedback: %w", err)
			}
		case done || x < 0.6:
			if _, err := s.UpdateReferralStatus(ctx, a, id, ref.ID, cases.ReferralUpdate{Status: cases.ReferralReceived}); err != nil {
				return fmt.Errorf("referral received: %w", err)
			}
		}
	}
	if k.category == "dv" {
		if err := l.orders(ctx, c, a, id, dist, town, used["police"]); err != nil {
			return err
		}
	}
	if len(k.mediation) > 0 && r.Float64() < 0.65 {
		sessions := 1
		if r.Float64() < 0.3 {
			sessions = 2
		}
		for i := range sessions {
			agreed := i == sessions-1 && (done || r.Float64() < 0.4)
			m := cases.MediationInput{HeldOn: l.today.AddDate(0, 0, i-sessions+1).Format("2006-01-02"),
				Participants: mediationParticipants(k, l.p.orgs[handler].in.Kind), Agreed: agreed}
			if agreed {
				m.Agreement = pick(r, k.mediation)
			} else {
				m.Note = pick(r, []string{"双方分歧较大，约定一周后再次调解。", "对方未到场，改期调解。", "双方情绪激动，先行分别疏导。"})
			}
			if _, err := s.AddMediation(ctx, a, id, m); err != nil {
				return fmt.Errorf("mediation: %w", err)
			}
		}
	}
	return nil
}

func mediationParticipants(k *caseKind, handler orgs.Kind) string {
	who := "求助人、被反映人"
	if k.category == "elder_support" {
		who = "老人及其子女"
	}
	switch handler {
	case orgs.Village:
		return who + "、村（社区）妇联主席、人民调解员"
	case orgs.Township:
		return who + "、街道（镇）妇联主席、司法所调解员"
	}
	return who + "、区妇联权益部工作人员、律师"
}

// orders records the protective documents of a domestic-violence case: a
// police warning letter when the police were involved, and for high-risk
// cases a court's personal safety protection order, valid six months.
func (l *caseLoader) orders(ctx context.Context, c *caseRun, a auth.Actor, id int64, dist, town string, police bool) error {
	r := l.r
	if police && r.Float64() < 0.6 {
		if _, err := l.s.AddOrder(ctx, a, id, cases.OrderInput{Kind: cases.WarningLetter, Issuer: dist + "公安分局" + town + "派出所",
			IssuedOn: l.today.Format("2006-01-02"), Note: "告诫施暴人不得再实施家庭暴力"}); err != nil {
			return fmt.Errorf("warning letter: %w", err)
		}
	}
	var expires time.Time
	switch {
	case c.orderExpiresIn > 0:
		expires = l.today.AddDate(0, 0, c.orderExpiresIn)
	case len(c.risk) >= 2 && c.risk[0] != "escalating" && r.Float64() < 0.5:
		expires = l.today.AddDate(0, 6, -r.IntN(185))
	default:
		return nil
	}
	// Valid six months, the longest a court grants.
	_, err := l.s.AddOrder(ctx, a, id, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: dist + "人民法院",
		IssuedOn: expires.AddDate(0, -6, 0).Format("2006-01-02"), ExpiresOn: expires.Format("2006-01-02"),
		Note: "禁止被申请人实施家庭暴力，禁止骚扰、跟踪、接触申请人"})
	if err != nil {
		return fmt.Errorf("protection order: %w", err)
	}
	return nil
}

// showcase adds the cases a newcomer signing in as the demo accounts meets
// first: the story of a high-risk call handled down the line to
// 清波街道, a fresh urgent call, a mediation in 柳浪社区, a supervised
// case and one sent to the wrong township and returned.
func (l *caseLoader) showcase(ctx context.Context) error {
	dist, town, vill := l.lead[0], l.lead[1], l.lead[2]
	dv, custody, elder, maternity, divorce, guardian := kindOf("dv"), kindOf("custody"), kindOf("elder_support"),
		kindOf("maternity"), kindOf("divorce"), kindOf("guardianship")
	sibling := -1
	for _, t := range l.p.townships {
		if l.up(t) == dist && t != town {
			sibling = t
			break
		}
	}
	runs := []*caseRun{
		{kind: dv, channel: cases.Hotline, village: vill, intake: l.city, chain: []int{dist, town}, target: cases.InProgress,
			risk: []string{"threat_to_kill", "escalating", "children_harmed", "substance"}, orderExpiresIn: 4, satisfaction: cases.Satisfied,
			summary: "丈夫多次殴打并扬言要杀她，保护令即将到期"},
		{kind: dv, channel: cases.Hotline, village: pick1(l.r, l.villagesUnder(town)), intake: l.city, chain: []int{dist}, target: cases.Registered,
			risk: []string{"weapon", "separation"}, summary: "丈夫持刀威胁，求助人暂避邻居家"},
		{kind: custody, channel: cases.Hotline, village: vill, intake: l.city, chain: []int{dist, town, vill}, target: cases.Closed,
			summary: "前夫半年未付抚养费，孩子学费难以承担"},
		{kind: elder, channel: cases.Visit, village: vill, intake: vill, chain: []int{vill}, target: cases.Archived, satisfaction: cases.Satisfied,
			summary: "三个子女推诿赡养，七旬老人无人照料"},
		{kind: maternity, channel: cases.Hotline, village: pick1(l.r, l.villagesUnder(dist)), intake: l.city, chain: []int{dist},
			target: cases.InProgress, supervise: true, summary: "怀孕后被公司调岗降薪"},
		{kind: divorce, channel: cases.Letter, village: pick1(l.r, l.villagesUnder(town)), intake: l.city, chain: []int{dist, town},
			misroute: sibling, target: cases.Assigned, summary: "丈夫长期不归家，想离婚并分割财产"},
		{kind: guardian, channel: cases.Hotline, village: pick1(l.r, l.villagesUnder(town)), intake: l.city, chain: []int{dist, town},
			target: cases.InProgress, extend: true, summary: "父母外出务工，孩子无人照看"},
		{kind: dv, channel: cases.Visit, village: pick1(l.r, l.villagesUnder(town)), intake: town, chain: []int{town}, target: cases.FollowedUp,
			risk: []string{"escalating", "substance"}, satisfaction: cases.BasicallySatisfied, summary: "丈夫酒后打骂，请求上门调解"},
	}
	for _, c := range runs {
		c.showcase = true
		if c.misroute == 0 { // unset: org 0 is the city, never a township
			c.misroute = -1
		}
		c.person = l.complainant(c.village, c.kind.minAge)
		if err := l.run(ctx, c); err != nil {
			return err
		}
	}
	// And a consultation answered on the call.
	return l.consultation(ctx)
}

func kindOf(category string) *caseKind {
	for i := range caseKinds {
		if caseKinds[i].category == category {
			return &caseKinds[i]
		}
	}
	panic("demo: no case kind " + category)
}

// Disputes the villages find in their monthly screening.
var screeningDisputes = []struct {
	category, summary string
}{
	{"divorce", "夫妻因家务分工和经济问题长期争吵，女方有离婚打算"},
	{"elder_support", "兄弟二人对母亲的赡养费分担有分歧"},
	{"custody", "离异双方对孩子周末探望时间有争议"},
	{"land", "外嫁女对土地征收补偿款分配有异议"},
	{"property_division", "夫妻分居，对共同建造的房屋归属有争议"},
	{"inheritance", "父亲去世后子女对老宅继承有争议"},
	{"marriage_other", "婆媳矛盾激化，经常发生争吵"},
	{"dv", "邻居反映夫妻经常吵架，女方曾被推倒受伤"},
	{"marriage_other", "丈夫外出务工后很少联系，妻子独自照顾老人孩子压力大"},
}

// screening reports the last three months' dispute screening for most
// villages, and turns a few of the disputes found into cases.
func (l *caseLoader) screening(ctx context.Context) error {
	r := l.r
	months := []string{}
	for i := 2; i >= 0; i-- {
		m := time.Date(l.today.Year(), l.today.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		months = append(months, m.Format("2006-01"))
	}
	for mi, month := range months {
		rate := 0.86
		if mi == len(months)-1 {
			rate = 0.72 // the month is not over yet
		}
		for _, v := range l.p.villages {
			if v != l.lead[2] && r.Float64() >= rate {
				continue
			}
			a := l.actor(v)
			var ds []store.ScreeningDispute
			if r.Float64() < 0.22 {
				for range 1 + r.IntN(3) {
					d := pick1(r, screeningDisputes)
					parties := surname(r) + "某某（女）、" + surname(r) + "某某"
					ds = append(ds, store.ScreeningDispute{Category: d.category, Summary: d.summary, Parties: parties})
				}
			}
			note := ""
			switch {
			case len(ds) == 0 && r.Float64() < 0.5:
				note = pick(r, []string{"经逐户走访，本月未发现婚姻家庭矛盾纠纷。", "结合网格走访排查，未发现矛盾纠纷。"})
			case len(ds) > 0:
				note = pick(r, []string{"已由村（社区）调委会跟进调解。", "已上门了解情况，正在做双方工作。"})
			}
			rep, err := l.s.ReportScreening(ctx, a, l.orgIDs[v], month, len(ds) == 0, note, ds)
			if err != nil {
				return fmt.Errorf("%s %s: %w", l.p.orgs[v].in.Name, month, err)
			}
			if mi == 0 {
				continue
			}
			for _, d := range rep.Disputes {
				if r.Float64() >= 0.2 || l.disputeCases == 0 {
					continue
				}
				l.disputeCases--
				if err := l.disputeCase(ctx, v, d); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// disputeCase turns a dispute into a case at the village's township, to be
// handled by the village or the township itself.
func (l *caseLoader) disputeCase(ctx context.Context, village int, d store.ScreeningDispute) error {
	town := l.up(village)
	chain := []int{village}
	if d.Category == "dv" || l.r.Float64() < 0.3 {
		chain = []int{town, village}
		if d.Category == "dv" {
			chain = []int{town}
		}
	}
	rec, err := l.s.DisputeToCase(ctx, l.actor(town), d.ID, l.orgIDs[chain[0]])
	if err != nil {
		return fmt.Errorf("dispute %d to case: %w", d.ID, err)
	}
	l.created++
	k := kindOf("divorce")
	for i := range caseKinds {
		if caseKinds[i].category == d.Category {
			k = &caseKinds[i]
		}
	}
	target := pickTarget(l.r)
	if target == cases.Declined {
		target = cases.InProgress
	}
	c := &caseRun{kind: k, channel: cases.Screening, village: village, intake: town, chain: chain, misroute: -1, person: -1,
		target: target, satisfaction: pickSatisfaction(l.r), caseID: rec.ID, summary: rec.Summary}
	return l.run(ctx, c)
}

// helpRequests sends a few requests through the public help form, as women
// on their phones would, and the hotline takes some of them on.
func (l *caseLoader) helpRequests(ctx context.Context) error {
	r := l.r
	requests := []store.HelpRequest{
		{Category: "dv", Description: "我老公喝了酒就打我，昨天又打了，我不敢报警，怕他报复。孩子才五岁，我该怎么办？"},
		{Category: "divorce", Description: "结婚八年，老公常年在外面不回家，也不给生活费，我想离婚，不知道要准备什么材料。"},
		{Category: "custody", Description: "离婚两年了，前夫一直不给孩子抚养费，打电话也不接，请问妇联能帮忙吗？"},
		{Category: "maternity", Description: "我在公司上班，怀孕五个月了，公司说要把我调到外地的门店，不去就算自动离职。"},
		{Category: "elder_support", Description: "我妈妈七十多岁了，两个哥哥都不管她，她一个人住在老房子里，身体也不好。"},
		{Category: "legal_consult", Description: "订婚时给了女方八万八彩礼，现在婚没结成，对方不肯退，想咨询一下法律规定。"},
		{Category: "land", Description: "我嫁到外村后户口一直没迁，村里分征地款却说我没有份，这样合理吗？"},
		{Category: "psych_consult", Description: "最近和老公总是吵架，晚上睡不着，情绪很差，想找人聊聊。"},
		{Category: "harassment", Description: "单位领导经常在微信上给我发不雅的话，我拒绝以后他就在工作上刁难我。"},
		{Category: "guardianship", Description: "邻居家的小孩父母都在外地打工，爷爷住院了，孩子一个人在家好几天了。"},
		{Category: "dv", Description: "前男友分手后一直跟踪我，还在我家楼下堵我，说不复合就要我好看。"},
		{Category: "wages", Description: "在饭店做服务员，老板已经两个月没发工资了，我们好几个姐妹都一样。"},
	}
	for i, hr := range requests {
		hr.Phone = mobile(r)
		hr.Anonymous = i%4 == 3
		if _, err := l.s.SubmitHelpRequest(ctx, hr); err != nil {
			return fmt.Errorf("%s: %w", hr.Category, err)
		}
		l.created++
	}
	// The hotline has taken on the older half: accepted, passed down to the
	// district where the caller lives, some already with the township.
	city := l.actors[l.city]
	online, _, err := l.s.ListCases(ctx, city, store.CaseFilter{Channel: cases.Online, Limit: len(requests)})
	if err != nil {
		return err
	}
	for i, rec := range online {
		if i < len(online)/2 {
			continue // the newest still wait at the city
		}
		v := l.pickVillage()
		town := l.up(v)
		dist := l.up(town)
		if rec.Category == "legal_consult" || rec.Category == "psych_consult" {
			advice := "已电话联系求助人，解答相关法律规定并告知可申请法律援助。"
			if rec.Category == "psych_consult" {
				advice = "已电话联系求助人进行心理疏导，并告知心理援助热线。"
			}
			if _, err := l.s.Transition(ctx, city, rec.ID, cases.Close, cases.Input{Result: advice}); err != nil {
				return fmt.Errorf("online %s: close: %w", rec.Number, err)
			}
			continue
		}
		if _, err := l.s.Transition(ctx, city, rec.ID, cases.Accept, cases.Input{}); err != nil {
			return fmt.Errorf("online %s: accept: %w", rec.Number, err)
		}
		if _, err := l.s.Transition(ctx, city, rec.ID, cases.Assign, cases.Input{OrgID: l.orgIDs[dist], Note: "请联系求助人核实情况"}); err != nil {
			return fmt.Errorf("online %s: assign: %w", rec.Number, err)
		}
		if i%2 == 0 {
			if _, err := l.s.Transition(ctx, l.actor(dist), rec.ID, cases.Assign, cases.Input{OrgID: l.orgIDs[town]}); err != nil {
				return fmt.Errorf("online %s: assign down: %w", rec.Number, err)
			}
			if _, err := l.s.Transition(ctx, l.actor(town), rec.ID, cases.Take, cases.Input{Note: "已电话联系求助人。"}); err != nil {
				return fmt.Errorf("online %s: take: %w", rec.Number, err)
			}
		}
	}
	return nil
}
