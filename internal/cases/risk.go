package cases

import (
	"fmt"
	"strings"
)

// RiskLevel is the outcome of the domestic-violence risk assessment.
type RiskLevel string

// The risk levels; None means not assessed.
const (
	RiskNone   RiskLevel = ""
	RiskLow    RiskLevel = "low"
	RiskMedium RiskLevel = "medium"
	RiskHigh   RiskLevel = "high"
)

// Label returns the Chinese name.
func (r RiskLevel) Label() string {
	switch r {
	case RiskLow:
		return "低风险"
	case RiskMedium:
		return "中风险"
	case RiskHigh:
		return "高风险"
	}
	return "未评估"
}

// RiskItem is one question of the checklist. RedFlag items alone make the
// risk high: they are the strongest predictors of lethal violence.
type RiskItem struct {
	Code     string
	Question string
	Weight   int
	RedFlag  bool
}

// RiskChecklist is the structured domestic-violence risk checklist.
func RiskChecklist() []RiskItem {
	return []RiskItem{
		{"threat_to_kill", "对方是否曾扬言要杀死您或您的家人？", 3, true},
		{"strangulation", "对方是否曾掐您的脖子或让您窒息？", 3, true},
		{"weapon", "对方是否使用或威胁使用刀具、枪支等凶器？", 3, true},
		{"escalating", "暴力是否越来越频繁或越来越严重？", 2, false},
		{"pregnant", "您现在是否怀孕，或曾在怀孕期间遭受暴力？", 2, false},
		{"children_harmed", "孩子是否也遭受过暴力或目睹暴力？", 2, false},
		{"separation", "您是否刚刚或正准备离开对方、提出离婚？", 2, false},
		{"substance", "对方是否酗酒、吸毒或赌博？", 1, false},
		{"suicidal", "对方是否说过要自杀，或有过自杀行为？", 2, false},
		{"control", "对方是否跟踪、监视您，或限制您与他人来往？", 1, false},
		{"sexual", "对方是否强迫您发生性行为？", 2, false},
		{"injury", "您是否因暴力受过需要就医的伤？", 2, false},
	}
}

// RiskAssessment is the result with the rule that produced it.
type RiskAssessment struct {
	Level   RiskLevel
	Score   int
	Answers []string // codes answered yes
	Rule    string   // why, in Chinese
}

// SafetyPlan is the plan a high-risk assessment starts, written on the
// case's timeline for the handler to work through with the woman.
func SafetyPlan() string {
	return "高风险安全计划：1. 24小时内联系求助人，确认其当前是否安全、是否需要立即报警（110）；" +
		"2. 协助联系公安机关出警或出具告诫书；3. 告知并协助申请人身安全保护令；" +
		"4. 需要时联系民政部门安排临时庇护；5. 与求助人约定安全的联系方式和紧急联系人；" +
		"6. 涉及子女的，评估子女安全并通知学校或村（社区）关注。"
}

// Thresholds of the score rule.
const (
	HighScore   = 6
	MediumScore = 3
)

// Assess applies the rule: any red-flag item, or a score of HighScore or
// more, is high; MediumScore or more is medium; otherwise low. Unknown codes
// are an error.
func Assess(yes []string) (RiskAssessment, error) {
	items := map[string]RiskItem{}
	for _, it := range RiskChecklist() {
		items[it.Code] = it
	}
	var a RiskAssessment
	var flags []string
	seen := map[string]bool{}
	for _, code := range yes {
		code = strings.TrimSpace(code)
		if code == "" || seen[code] {
			continue
		}
		it, ok := items[code]
		if !ok {
			return RiskAssessment{}, fmt.Errorf("unknown risk item %q", code)
		}
		seen[code] = true
		a.Answers = append(a.Answers, code)
		a.Score += it.Weight
		if it.RedFlag {
			flags = append(flags, strings.TrimSuffix(strings.TrimPrefix(it.Question, "对方是否"), "？"))
		}
	}
	switch {
	case len(flags) > 0:
		a.Level = RiskHigh
		a.Rule = fmt.Sprintf("存在高危情形（%s），直接评为高风险", strings.Join(flags, "；"))
	case a.Score >= HighScore:
		a.Level = RiskHigh
		a.Rule = fmt.Sprintf("风险分%d，达到%d分以上评为高风险", a.Score, HighScore)
	case a.Score >= MediumScore:
		a.Level = RiskMedium
		a.Rule = fmt.Sprintf("风险分%d，%d至%d分评为中风险", a.Score, MediumScore, HighScore-1)
	default:
		a.Level = RiskLow
		a.Rule = fmt.Sprintf("风险分%d，低于%d分评为低风险", a.Score, MediumScore)
	}
	return a, nil
}
