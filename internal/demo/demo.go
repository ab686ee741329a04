// Package demo fills an empty database with a fictional but realistic city
// federation — the org tree, thousands of women with their families, and a
// handful of sign-ins — so a newcomer can explore Jinguo at once.
//
// Everything goes through the store's public methods with the system actor,
// so validation, encryption, scope checks and the audit trail apply exactly
// as they do for users. The data is deterministic for a given seed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// Password is the password of every demo account.
const Password = "Jinguo@2024demo"

// Account is a demo sign-in shown on the sign-in page in demo mode.
type Account struct {
	Username, Password, Role, OrgName, Note string
}

// Options tune the size of the demo city.
type Options struct {
	People int   // women in the registry; default 5000
	Seed   int64 // default 2024
}

// ErrNotEmpty is returned by Load when the database already holds orgs.
var ErrNotEmpty = apperr.Wrap(apperr.Conflict, "数据库中已有数据，演示数据只能装入空数据库", errors.New("database is not empty"))

// demoAccount is an Account with the display name its user gets.
type demoAccount struct {
	Account
	displayName string
}

// Names of the orgs the accounts belong to; planOrgs creates them.
const (
	cityName        = "市妇联"
	firstDistrict   = "临江区妇联"
	firstTownOrg    = firstTownship + "街道妇联"
	firstVillOrg    = firstVillage + "社区妇联"
	firstUniversity = "市师范大学妇联"
)

var accounts = []demoAccount{
	{Account{"city_admin", Password, auth.RoleOrgAdmin, cityName, "市妇联单位管理员：管理全市组织、人员和账号"}, "周静（市妇联办公室）"},
	{Account{"city_cadre", Password, auth.RoleCadre, cityName, "市妇联工作人员：12338热线接线员，可查看全市人员"}, "李敏（市妇联权益部）"},
	{Account{"district_cadre", Password, auth.RoleCadre, firstDistrict, "区妇联工作人员：只看临江区"}, "陈芳（临江区妇联）"},
	{Account{"township_cadre", Password, auth.RoleCadre, firstTownOrg, "街道妇联工作人员：只看清波街道"}, "王丽华（清波街道妇联）"},
	{Account{"village_cadre", Password, auth.RoleCadre, firstVillOrg, "社区妇联主席：只看柳浪社区"}, "张秀英（柳浪社区妇联主席）"},
	{Account{"viewer", Password, auth.RoleViewer, firstDistrict, "区妇联领导：只读查看临江区"}, "刘红（临江区妇联主席）"},
	{Account{"university_admin", Password, auth.RoleOrgAdmin, firstUniversity, "高校妇联管理员"}, "吴晓燕（市师范大学妇联）"},
}

// Accounts returns the fixed list of demo accounts.
func Accounts() []Account {
	out := make([]Account, len(accounts))
	for i, a := range accounts {
		out[i] = a.Account
	}
	return out
}

// Load fills an empty database with the demo city and returns the demo
// accounts. progress, if not nil, is called now and then with the steps
// done so far and the total.
func Load(ctx context.Context, s *store.Store, opt Options, progress func(done, total int)) ([]Account, error) {
	if opt.People <= 0 {
		opt.People = 5000
	}
	if opt.Seed == 0 {
		opt.Seed = 2024
	}
	has, err := s.HasRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if has {
		return nil, ErrNotEmpty
	}
	if err := s.EnsureBuiltInRoles(ctx); err != nil {
		return nil, fmt.Errorf("demo: roles: %w", err)
	}
	if err := s.EnsureDictionaries(ctx); err != nil {
		return nil, fmt.Errorf("demo: dictionaries: %w", err)
	}
	p := newPlanner(opt.Seed, localtime.Today(s.Now()))
	p.planOrgs()
	p.planPeople(opt.People)
	if err := p.load(ctx, s, progress); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return Accounts(), nil
}

// The plan: everything Load will create, decided in memory first so the
// total for progress is known and the rng draws do not depend on the store.
type (
	orgPlan struct {
		parent   int // index in planner.orgs; -1 for the root
		in       orgs.Input
		area     area
		place    string // the place as addresses name it: 前山村, 春晖社区
		district int    // index in districts, for ID numbers; -1 above or beside them
	}
	personPlan struct {
		org int
		in  people.Input
	}
	familyPlan struct {
		org        int
		name, note string
		members    []memberPlan
	}
	memberPlan struct {
		person int
		rel    people.Relation
	}
	consentPlan struct {
		person int
		in     people.ConsentInput
	}
)

type planner struct {
	r        *rand.Rand
	today    time.Time
	names    *placeNames
	orgs     []orgPlan
	people   []personPlan
	families []familyPlan
	consents []consentPlan
	ids      map[string]bool // first 17 characters of the ID numbers handed out
	// Orgs people register at, by where they live or work.
	villages, townships, sectors []int
}

func newPlanner(seed int64, today time.Time) *planner {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6a696e67756f))
	return &planner{r: r, today: today, names: newPlaceNames(r), ids: map[string]bool{}}
}

func (p *planner) addOrg(parent int, in orgs.Input, a area, place string, district int) int {
	if in.Contact == "" {
		in.Contact = surname(p.r) + womanGiven(p.r, 1965+p.r.IntN(25))
	}
	if in.Phone == "" {
		in.Phone = officePhone(p.r)
	}
	p.orgs = append(p.orgs, orgPlan{parent: parent, in: in, area: a, place: place, district: district})
	return len(p.orgs) - 1
}

// planOrgs lays out the tree: the city, its districts with 6–9 townships
// each and 6–10 villages per township, and the non-territorial
// federations, associations, service sites and parent schools.
func (p *planner) planOrgs() {
	r := p.r
	root := p.addOrg(-1, orgs.Input{Name: cityName, Kind: orgs.City, DivisionCode: "330100000000", Address: "市民中心B座12楼"}, urban, "", -1)
	for di, d := range districts {
		dist := p.addOrg(root, orgs.Input{Name: d.name + "妇联", Kind: orgs.District, DivisionCode: d.code + "000000",
			Address: d.name + pick(r, roads) + fmt.Sprint(1+r.IntN(300)) + "号"}, d.area, d.name, di)
		towns := 6 + r.IntN(4)
		streets := towns
		switch d.area {
		case mixed:
			streets = towns / 2
		case rural:
			streets = 1 + r.IntN(2)
		}
		for t := range towns {
			name := firstTownship
			if di > 0 || t > 0 {
				name = p.names.township()
			}
			var suffix, code string
			ta := urban
			switch {
			case t < streets:
				suffix, code = "街道", fmt.Sprintf("%s%03d000", d.code, t+1)
			case d.area == rural && t == towns-1:
				suffix, code, ta = "乡", fmt.Sprintf("%s%03d000", d.code, 200+t-streets), rural
			default:
				suffix, code, ta = "镇", fmt.Sprintf("%s%03d000", d.code, 100+t-streets+1), rural
			}
			town := p.addOrg(dist, orgs.Input{Name: name + suffix + "妇联", Kind: orgs.Township, DivisionCode: code,
				Address: d.name + name + suffix + pick(r, roads) + fmt.Sprint(1+r.IntN(200)) + "号"}, ta, d.name+name+suffix, di)
			p.townships = append(p.townships, town)
			p.planVillages(town, code, ta, di, di == 0 && t == 0)
		}
	}
	p.planSectors(root)
}

// planVillages adds a township's villages and communities, and the women's
// homes and parent schools some of them run.
func (p *planner) planVillages(town int, townCode string, ta area, district int, first bool) {
	r := p.r
	n := 6 + r.IntN(5)
	communities := n
	if ta == rural {
		communities = 1 + r.IntN(2)
	}
	for v := range n {
		var name, suffix, code string
		va := urban
		if v < communities {
			name, suffix, code = p.names.community(), "社区", fmt.Sprintf("%s%03d", townCode[:9], v+1)
			if first && v == 0 {
				name = firstVillage
			}
		} else {
			name, suffix, code, va = p.names.village(), "村", fmt.Sprintf("%s%03d", townCode[:9], 200+v-communities+1), rural
		}
		addr := name + suffix + "居民委员会"
		if va == rural {
			addr = name + suffix + "村民委员会"
		}
		vill := p.addOrg(town, orgs.Input{Name: name + suffix + "妇联", Kind: orgs.Village, DivisionCode: code, Address: addr}, va, name+suffix, district)
		p.villages = append(p.villages, vill)
		lead := first && v == 0
		if lead || r.Float64() < 0.25 {
			p.addOrg(vill, orgs.Input{Name: name + suffix + "妇女之家", Kind: orgs.ServiceSite, Address: addr}, va, name+suffix, district)
		}
		if va == urban && (lead || r.Float64() < 0.2) {
			p.addOrg(vill, orgs.Input{Name: name + suffix + "家长学校", Kind: orgs.ParentSchool, Address: addr}, va, name+suffix, district)
		}
	}
}

// planSectors adds the federations beyond the territorial tree: new
// economic and social organisations, universities, units, member
// associations and women's social organisations.
func (p *planner) planSectors(root int) {
	distIdx := func(di int) int {
		for i, o := range p.orgs {
			if o.in.Kind == orgs.District && o.district == di {
				return i
			}
		}
		panic("demo: no district")
	}
	sectors := []struct {
		district int
		name     string
		kind     orgs.Kind
	}{
		{0, "临江区快递物流行业妇联", orgs.NewSector},
		{1, "鼓楼区网约车行业妇联", orgs.NewSector},
		{2, "湖滨区直播电商行业妇联", orgs.NewSector},
		{4, "江南智谷科技园区新经济组织妇联", orgs.NewSector},
		{5, "东湖区外卖配送行业妇联", orgs.NewSector},
		{0, "临江区向日葵家庭教育服务中心", orgs.SocialOrg},
		{6, "青溪县乡村女能人互助会", orgs.SocialOrg},
		{0, "临江区人民法院妇委会", orgs.Unit},
		{-1, firstUniversity, orgs.University},
		{-1, "市职业技术学院妇联", orgs.University},
		{-1, "市第一人民医院妇委会", orgs.Unit},
		{-1, "市妇幼保健院妇委会", orgs.Unit},
		{-1, "市教育局机关妇委会", orgs.Unit},
		{-1, "市女企业家协会", orgs.MemberAssoc},
		{-1, "市女律师协会", orgs.MemberAssoc},
		{-1, "市女科技工作者协会", orgs.MemberAssoc},
		{-1, "市阳光妈妈公益服务中心", orgs.SocialOrg},
	}
	for _, sc := range sectors {
		parent, a := root, urban
		if sc.district >= 0 {
			parent, a = distIdx(sc.district), districts[sc.district].area
		}
		place := sc.name
		i := p.addOrg(parent, orgs.Input{Name: sc.name, Kind: sc.kind, Address: pick(p.r, roads) + fmt.Sprint(1+p.r.IntN(500)) + "号"}, a, place, sc.district)
		switch sc.kind {
		case orgs.NewSector, orgs.University, orgs.Unit:
			p.sectors = append(p.sectors, i)
		}
	}
}

// spread divides n among k places by random weights (largest remainder),
// so sizes vary but the total is exact.
func spread(r *rand.Rand, n, k int) []int {
	out := make([]int, k)
	if k == 0 {
		return out
	}
	w := make([]float64, k)
	var sum float64
	for i := range w {
		w[i] = 0.4 + 1.2*r.Float64()
		sum += w[i]
	}
	rem := make([]float64, k)
	given := 0
	for i := range w {
		x := float64(n) * w[i] / sum
		out[i] = int(x)
		rem[i] = x - float64(out[i])
		given += out[i]
	}
	for given < n {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
		given++
	}
	return out
}

// planPeople registers n women: most in villages and communities, living
// in households (about half of them families), some at townships and some
// in the non-territorial federations where they work or study.
func (p *planner) planPeople(n int) {
	atSectors := n * 4 / 100
	atTowns := n * 5 / 100
	inVillages := n - atSectors - atTowns
	// Newest first is how lists show people: register the workplaces first
	// so the first page a city cadre sees holds residents.
	for range atSectors {
		p.worker(p.sectors[p.r.IntN(len(p.sectors))])
	}
	for i, q := range spread(p.r, atTowns, len(p.townships)) {
		for range q {
			p.single(p.townships[i], p.newHouse(p.townships[i]))
		}
	}
	for i, q := range spread(p.r, inVillages, len(p.villages)) {
		org := p.villages[i]
		for q > 0 {
			if p.r.Float64() < 0.5 {
				q -= p.family(org, q)
			} else {
				p.single(org, p.newHouse(org))
				q--
			}
		}
	}
}

// house is what the members of one household share.
type house struct {
	org       int
	prefix    string // the county part of their ID numbers
	address   string
	division  string
	ethnicity string
	tags      []string
	area      area
}

var minorities = []string{"22", "03", "06", "15", "08", "11", "12", "02"}

func (p *planner) newHouse(org int) *house {
	r, o := p.r, p.orgs[org]
	h := &house{org: org, area: o.area, ethnicity: "01", division: o.in.DivisionCode}
	if r.Float64() < 0.04 {
		h.ethnicity = pick(r, minorities)
	}
	di := o.district
	if di < 0 {
		di = r.IntN(len(districts))
	}
	h.prefix = districts[di].code
	switch {
	case o.in.Kind == orgs.Village && o.area == rural:
		h.address = fmt.Sprintf("%s%d组%d号", o.place, 1+r.IntN(12), 1+r.IntN(99))
	case o.in.Kind == orgs.Village || o.in.Kind == orgs.Township:
		h.address = fmt.Sprintf("%s%s%d号%d幢%d单元%d%02d室", o.place, pick(r, roads), 1+r.IntN(300), 1+r.IntN(20), 1+r.IntN(4), 1+r.IntN(18), 1+r.IntN(4))
	default:
		h.address = fmt.Sprintf("%s%s%d号%d幢%d%02d室", districts[di].name, pick(r, roads), 1+r.IntN(300), 1+r.IntN(20), 1+r.IntN(18), 1+r.IntN(4))
	}
	switch x := r.Float64(); {
	case x < 0.05:
		h.tags = append(h.tags, "dibao")
	case x < 0.09:
		h.tags = append(h.tags, "low_income")
	case x < 0.10:
		h.tags = append(h.tags, "fanpin")
	}
	if r.Float64() < 0.015 {
		h.tags = append(h.tags, "veteran_family")
	}
	return h
}

// birth returns a random date in the years from..to, not after today.
func (p *planner) birth(from, to int) time.Time {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if end.After(p.today) {
		end = p.today
	}
	days := int(end.Sub(start).Hours() / 24)
	if days < 1 {
		return start
	}
	return start.AddDate(0, 0, p.r.IntN(days))
}

// idNumber returns a new valid ID number: the county code, the birth date,
// a sequence number whose last digit is even for women, and the check digit.
func (p *planner) idNumber(prefix string, birth time.Time, sex people.Sex) string {
	for {
		seq := p.r.IntN(100)*10 + 2*p.r.IntN(5)
		if sex == people.Male {
			seq++
		}
		first := prefix + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
		if !p.ids[first] {
			p.ids[first] = true
			return first + string(people.CheckDigit(first))
		}
	}
}

// person adds one person of household h and returns her index.
func (p *planner) person(h *house, name string, birth time.Time, sex people.Sex, extra ...string) int {
	r := p.r
	age := people.AgeOn(birth, p.today)
	in := people.Input{
		OrgID: 0, Name: name, IDNumber: p.idNumber(h.prefix, birth, sex), Sex: string(sex),
		Ethnicity: h.ethnicity, Education: education(r, birth.Year(), age), Employment: employment(r, age, h.area),
		AddressDivision: h.division, AddressDetail: h.address,
	}
	if age >= 16 && r.Float64() < 0.88 {
		in.Phone = mobile(r)
	}
	tags := append([]string{}, h.tags...)
	tags = append(tags, extra...)
	if age >= 60 {
		tags = append(tags, "elderly")
	}
	if r.Float64() < 0.03 {
		tags = append(tags, "disabled")
	}
	if sex == people.Female && age >= 18 {
		if r.Float64() < 0.02 {
			tags = append(tags, "legal_literate")
		}
		if age >= 25 && age <= 70 && r.Float64() < 0.04 {
			tags = append(tags, "representative")
		}
		if age >= 30 && age <= 65 && r.Float64() < 0.015 {
			tags = append(tags, "executive")
		}
		if h.area == rural && age >= 25 && age <= 55 && r.Float64() < 0.12 {
			tags = append(tags, "new_farmer")
		}
		if (in.Education == "10" || in.Education == "20") && age <= 60 && r.Float64() < 0.06 {
			tags = append(tags, "science")
		}
		if r.Float64() < 0.04 {
			in.Note = pick(r, orgNotes)
		}
	}
	in.Tags = tags
	p.people = append(p.people, personPlan{org: h.org, in: in})
	return len(p.people) - 1
}

// single adds a woman living on her own account, mostly an adult.
func (p *planner) single(org int, h *house) {
	r := p.r
	var from, to int
	switch x := r.Float64(); {
	case x < 0.25:
		from, to = 1940, 1959
	case x < 0.60:
		from, to = 1960, 1979
	case x < 0.90:
		from, to = 1980, 1999
	default:
		from, to = 2000, 2007
	}
	b := p.birth(from, to)
	var extra []string
	if people.AgeOn(b, p.today) >= 60 && r.Float64() < 0.06 {
		extra = append(extra, "tekun")
	}
	p.person(h, surname(r)+womanGiven(r, b.Year()), b, people.Female, extra...)
}

// worker adds a woman registered where she works or studies.
func (p *planner) worker(org int) {
	r := p.r
	h := p.newHouse(org)
	h.division = ""
	kind := p.orgs[org].in.Kind
	student := kind == orgs.University && r.Float64() < 0.5
	b := p.birth(1970, 2000)
	if student {
		b = p.birth(2004, 2008)
	}
	i := p.person(h, surname(r)+womanGiven(r, b.Year()), b, people.Female)
	in := &p.people[i].in
	switch {
	case kind == orgs.NewSector:
		in.Employment = pick(r, []string{"flexible", "flexible", "employed", "self_employed"})
	case student:
		in.Employment, in.Education = "student", "60"
	default:
		in.Employment = "employed"
		in.Education = pick(r, []string{"10", "20", "20", "30"})
	}
}

// family adds a household with a family record and returns how many women
// it registered (at most quota, at least 1).
func (p *planner) family(org, quota int) int {
	h := p.newHouse(org)
	if h.area == rural && p.r.Float64() < 0.12 {
		return p.leftBehind(h, quota)
	}
	r := p.r
	mb := p.birth(1968, 1995)
	mother := surname(r) + womanGiven(r, mb.Year())
	fam := familyPlan{org: org}
	women := 1

	husband := r.Float64() < 0.45
	fatherName := surname(r)
	if r.Float64() < 0.1 {
		fatherName = string([]rune(mother)[:1])
	}
	var kids []time.Time
	for range []int{0, 1, 1, 1, 2, 2}[r.IntN(6)] {
		lo := mb.Year() + 22
		if lo > 2015 {
			break
		}
		hi := min(mb.Year()+38, 2015)
		kids = append(kids, p.birth(lo, max(lo, hi)))
	}
	if h.area == urban && len(kids) > 0 && r.Float64() < 0.08 {
		h.tags = append(h.tags, "migrant_child")
	}
	var motherTags []string
	if !husband && len(kids) > 0 && r.Float64() < 0.3 {
		motherTags = append(motherTags, "single_parent")
		fam.note = "单亲家庭"
	}
	mi := p.person(h, mother, mb, people.Female, motherTags...)
	motherRel := people.Head
	if husband {
		hb := p.birth(mb.Year()-4, min(mb.Year()+1, 1995))
		name := fatherName + manGiven(r, hb.Year())
		hi := p.person(h, name, hb, people.Male)
		if r.Float64() < 0.5 {
			fam.members = append(fam.members, memberPlan{hi, people.Head})
			fam.name = name + "家庭"
			motherRel = people.Spouse
		} else {
			fam.members = append(fam.members, memberPlan{hi, people.Spouse})
		}
	}
	fam.members = append(fam.members, memberPlan{mi, motherRel})
	if motherRel == people.Head {
		fam.name = mother + "家庭"
	}
	for _, kb := range kids {
		if women >= quota {
			break
		}
		ki := p.person(h, fatherName+womanGiven(r, kb.Year()), kb, people.Female)
		fam.members = append(fam.members, memberPlan{ki, people.Child})
		women++
		p.maybeConsent(ki, kb, mother)
	}
	if len(kids) > 0 && r.Float64() < 0.2 {
		sb := p.birth(mb.Year()+22, max(mb.Year()+22, min(mb.Year()+38, 2015)))
		si := p.person(h, fatherName+manGiven(r, sb.Year()), sb, people.Male)
		fam.members = append(fam.members, memberPlan{si, people.Child})
	}
	if women < quota && r.Float64() < 0.25 {
		if gy := mb.Year() - 22 - r.IntN(9); gy >= 1940 {
			gb := p.birth(gy, gy)
			gi := p.person(h, surname(r)+womanGiven(r, gy), gb, people.Female)
			rel := people.Parent
			if motherRel != people.Head {
				rel = people.Other // the head's mother-in-law
			}
			fam.members = append(fam.members, memberPlan{gi, rel})
			women++
		}
	}
	p.families = append(p.families, fam)
	return women
}

// leftBehind adds a grandmother caring for granddaughters whose parents
// work away (留守儿童家庭).
func (p *planner) leftBehind(h *house, quota int) int {
	r := p.r
	h.tags = append(h.tags, "left_behind")
	gb := p.birth(1948, 1968)
	grandma := surname(r) + womanGiven(r, gb.Year())
	gi := p.person(h, grandma, gb, people.Female)
	fam := familyPlan{org: h.org, name: grandma + "家庭", note: "父母在外务工，由祖辈照料",
		members: []memberPlan{{gi, people.Head}}}
	women := 1
	family := surname(r)
	for range 1 + r.IntN(2) {
		if women >= quota {
			break
		}
		kb := p.birth(2008, 2015)
		ki := p.person(h, family+womanGiven(r, kb.Year()), kb, people.Female)
		fam.members = append(fam.members, memberPlan{ki, people.Grand})
		women++
		p.maybeConsent(ki, kb, grandma)
	}
	p.families = append(p.families, fam)
	return women
}

// maybeConsent records, for most girls under 14, their guardian's consent
// to the federation keeping their data (PIPL art. 31).
func (p *planner) maybeConsent(girl int, birth time.Time, guardian string) {
	if people.AgeOn(birth, p.today) >= people.GuardianAge || p.r.Float64() >= 0.7 {
		return
	}
	given := p.today.AddDate(0, 0, -p.r.IntN(600))
	if given.Before(birth) {
		given = birth
	}
	p.consents = append(p.consents, consentPlan{person: girl, in: people.ConsentInput{
		Purpose: "儿童关爱服务信息登记", GivenOn: given.Format(time.DateOnly), ByGuardian: true, GuardianName: guardian}})
}

// education draws a plausible level for someone born in year, aged age.
func education(r *rand.Rand, year, age int) string {
	switch {
	case age < 6:
		return ""
	case age < 12:
		return "80"
	case age < 15:
		return "70"
	case age < 18:
		return "60"
	}
	var levels []string
	switch {
	case year < 1960:
		levels = []string{"80", "80", "80", "80", "80", "70", "70", "70", "90", "90", "60"}
	case year < 1980:
		levels = []string{"70", "70", "70", "70", "60", "60", "60", "80", "40", "30", "30", "20"}
	default:
		levels = []string{"20", "20", "20", "20", "20", "20", "30", "30", "30", "30", "30", "60", "60", "60", "40", "40", "40", "70", "70", "10"}
	}
	return pick(r, levels)
}

// employment draws a plausible work status for age in area a.
func employment(r *rand.Rand, age int, a area) string {
	switch {
	case age < 18:
		return "student"
	case age < 23 && r.Float64() < 0.6:
		return "student"
	case age >= 55:
		if a == rural && r.Float64() < 0.4 {
			return "farmer"
		}
		if r.Float64() < 0.85 {
			return "retired"
		}
		return "other"
	}
	if a == rural && r.Float64() < 0.3 {
		return "farmer"
	}
	return pick(r, []string{"employed", "employed", "employed", "employed", "self_employed", "self_employed",
		"flexible", "flexible", "unemployed", "other"})
}

// load writes the plan through the store, as the system actor.
func (p *planner) load(ctx context.Context, s *store.Store, progress func(done, total int)) error {
	sys := auth.System()
	total := len(p.orgs) + len(p.people) + len(p.families) + len(p.consents) + len(accounts)
	done := 0
	step := func() {
		done++
		if progress != nil && (done%100 == 0 || done == total) {
			progress(done, total)
		}
	}
	if progress != nil {
		progress(0, total)
	}

	orgIDs := make([]int64, len(p.orgs))
	byName := map[string]int64{}
	for i, o := range p.orgs {
		in := o.in
		if o.parent >= 0 {
			in.ParentID = orgIDs[o.parent]
		}
		created, err := s.CreateOrg(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("create org %s: %w", in.Name, err)
		}
		orgIDs[i] = created.ID
		byName[created.Name] = created.ID
		step()
	}

	// People go in batches: one transaction per 500 is far faster than one
	// per person, and each batch is still all or nothing.
	personIDs := make([]int64, 0, len(p.people))
	const batchSize = 500
	for start := 0; start < len(p.people); start += batchSize {
		end := min(start+batchSize, len(p.people))
		batch := make([]people.Input, 0, end-start)
		for _, pp := range p.people[start:end] {
			in := pp.in
			in.OrgID = orgIDs[pp.org]
			batch = append(batch, in)
		}
		ids, err := s.CreatePeople(ctx, sys, batch)
		if err != nil {
			return fmt.Errorf("create people %d–%d: %w", start+1, end, err)
		}
		personIDs = append(personIDs, ids...)
		for range batch {
			step()
		}
	}

	for _, f := range p.families {
		fam, err := s.CreateFamily(ctx, sys, people.FamilyInput{OrgID: orgIDs[f.org], Name: f.name, Note: f.note})
		if err != nil {
			return fmt.Errorf("create family %s: %w", f.name, err)
		}
		for _, m := range f.members {
			if _, err := s.SetFamilyMember(ctx, sys, fam.ID, personIDs[m.person], m.rel); err != nil {
				return fmt.Errorf("family %s: add member: %w", f.name, err)
			}
		}
		step()
	}

	for _, c := range p.consents {
		if _, err := s.AddConsent(ctx, sys, personIDs[c.person], c.in); err != nil {
			return fmt.Errorf("consent: %w", err)
		}
		step()
	}

	for _, a := range accounts {
		orgID, ok := byName[a.OrgName]
		if !ok {
			return fmt.Errorf("account %s: no org %s", a.Username, a.OrgName)
		}
		if _, err := s.CreateUser(ctx, sys, store.UserInput{Username: a.Username, DisplayName: a.displayName,
			Password: a.Password, OrgID: orgID, Role: a.Role}); err != nil {
			return fmt.Errorf("create user %s: %w", a.Username, err)
		}
		// Demo only: the published demo passwords would otherwise have to be
		// changed at the first sign-in, which gets in the way of exploring.
		// Real accounts keep must_change from CreateUser.
		if _, err := s.DB().ExecContext(ctx, `UPDATE users SET must_change = $1 WHERE username = $2`, false, a.Username); err != nil {
			return fmt.Errorf("user %s: %w", a.Username, err)
		}
		step()
	}
	return p.loadCases(ctx, s, orgIDs, personIDs)
}
