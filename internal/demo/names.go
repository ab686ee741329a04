package demo

import (
	"fmt"
	"math/rand/v2"
)

// The demo city's districts and counties. Codes sit under 3301 (the city
// root is 330100000000); names are invented. Rural counties have towns and
// villages, urban districts streets and communities.
var districts = []struct {
	name, code string
	area       area
}{
	{"临江区", "330102", urban},
	{"鼓楼区", "330103", urban},
	{"湖滨区", "330105", urban},
	{"城北区", "330106", urban},
	{"江南区", "330108", mixed},
	{"东湖区", "330109", mixed},
	{"青溪县", "330122", rural},
	{"云山县", "330127", rural},
}

// area says whether a district, township or village is town or country,
// which shapes names, addresses, jobs and tags.
type area int

const (
	urban area = iota
	mixed
	rural
)

// The first district, township and village have fixed names so Accounts
// can name their orgs without knowing the seed.
const (
	firstTownship = "清波"
	firstVillage  = "柳浪"
)

// surnames are the common surnames, most frequent first; pick weights them
// roughly by how common they are.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
	"徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
	"彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
	"姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"方", "俞", "章", "应", "楼", "邵", "钱", "施", "傅", "毛",
}

// Given names for women by the decade fashion of their birth year.
var (
	womenBefore1960 = []string{"秀英", "桂英", "玉兰", "秀兰", "凤英", "桂兰", "秀珍", "玉珍", "淑珍", "翠英",
		"金凤", "月英", "素珍", "爱华", "美华", "兰英", "彩娥", "菊花", "金花", "雪英", "阿娟", "招娣"}
	women1960s = []string{"丽", "敏", "静", "红", "艳", "芳", "霞", "娟", "萍", "燕", "丽华", "海燕", "晓红",
		"建英", "丽萍", "春梅", "红梅", "雪梅", "美玲", "卫红", "小红", "秀芳", "玉芬", "建芬", "彩霞"}
	women1980s = []string{"婷", "倩", "雪", "慧", "晶", "琳", "颖", "丹", "洁", "晓燕", "佳", "璐", "婷婷",
		"丹丹", "倩倩", "晓丽", "欣", "蕾", "莉", "静怡", "晓敏", "海燕", "燕萍", "慧敏", "佳丽", "雅琴"}
	women2000s = []string{"欣怡", "梓涵", "子涵", "诗涵", "雨涵", "可馨", "梓萱", "一诺", "思琪", "语桐",
		"紫涵", "若曦", "依诺", "梦瑶", "雨桐", "佳怡", "欣妍", "悦", "思雨", "嘉怡", "馨予", "安琪", "诗琪"}
	menNames = []string{"建国", "建华", "国强", "志强", "伟", "强", "军", "勇", "磊", "杰", "涛", "明",
		"建平", "卫东", "海峰", "立新", "国平", "永良", "建军", "志明", "林峰", "小军"}
	boysNames = []string{"浩然", "子轩", "宇轩", "俊杰", "梓豪", "浩宇", "一鸣", "子墨", "博文", "睿", "宇航", "明轩"}
)

// Syllables for township, village and community names, and roads for
// addresses. Combined they give names like 青桥街道, 下溪村, 春晖社区.
var (
	placeFirst  = []string{"青", "清", "长", "新", "东", "西", "南", "北", "安", "和", "平", "永", "兴", "宁", "华", "丰", "福", "康", "瑞", "祥", "云", "松", "桂", "竹", "梅", "兰", "石", "金", "玉", "凤"}
	placeSecond = []string{"桥", "塘", "湖", "溪", "山", "岭", "港", "湾", "浦", "园", "林", "田", "口", "坝", "亭", "门", "堰", "渡", "埠", "泉"}
	villFirst   = []string{"前", "后", "上", "下", "大", "小", "高", "塘", "黄", "李", "王", "陈", "吴", "周", "徐", "沈", "何", "方", "杨", "桃", "杏", "柳", "荷", "茶", "枫", "白", "龙", "马", "双", "三"}
	villSecond  = []string{"山", "溪", "塘", "桥", "湾", "坞", "岭", "坑", "埠", "垟", "畈", "头", "口", "园", "庄", "家埭", "家桥", "家坞", "湖", "洋"}
	commFirst   = []string{"和平", "春晖", "翠竹", "星光", "朝阳", "阳光", "幸福", "锦绣", "金桥", "文苑", "育才", "长青", "紫荆", "丽水", "红梅",
		"桂花", "枫林", "凤凰", "清风", "明月", "湖畔", "江南", "望湖", "东方", "新华", "人民", "解放", "建设", "胜利", "玉泉", "景华",
		"德胜", "朝晖", "潮鸣", "采荷", "景芳", "濮家", "新塘", "天水", "长庆", "紫阳", "清泰", "钱塘", "南星", "望江", "彩虹", "华丰",
		"梧桐", "银杏", "香樟", "海棠", "丁香", "百合", "书香", "友谊"}
	commSecond = []string{"", "", "里", "苑", "新村", "花园", "家园", "坊"}
	roads      = []string{"人民路", "解放路", "建设路", "中山路", "文化路", "学院路", "湖滨路", "新华路", "环城东路", "环城西路",
		"凤起路", "庆春路", "体育场路", "延安路", "江城路", "秋涛路", "文一路", "文二路", "天目山路", "教工路", "莫干山路", "东新路"}
	orgNotes = []string{"2024年“两癌”筛查已完成", "已参加巾帼家政培训", "参加社区家长学校课程", "有创业意向，已对接巾帼贷",
		"已加入巾帼志愿服务队", "“最美家庭”候选", "需定期走访关爱"}
)

// weighted returns an index in [0, n) with earlier indexes likelier: the
// first tenth of the list gets about half the draws.
func weighted(r *rand.Rand, n int) int {
	x := r.Float64()
	return int(float64(n) * x * x * x)
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func surname(r *rand.Rand) string { return surnames[weighted(r, len(surnames))] }

// womanGiven returns a given name in the fashion of her birth year.
func womanGiven(r *rand.Rand, year int) string {
	switch {
	case year < 1960:
		return pick(r, womenBefore1960)
	case year < 1980:
		return pick(r, women1960s)
	case year < 2000:
		return pick(r, women1980s)
	}
	return pick(r, women2000s)
}

func manGiven(r *rand.Rand, year int) string {
	if year >= 2000 {
		return pick(r, boysNames)
	}
	return pick(r, menNames)
}

// placeNames hands out place names that are unique across the demo city.
type placeNames struct {
	r    *rand.Rand
	used map[string]bool
}

func newPlaceNames(r *rand.Rand) *placeNames {
	used := map[string]bool{firstTownship: true, firstVillage: true}
	return &placeNames{r: r, used: used}
}

// next draws names from gen until one is unused; after many collisions it
// numbers the name so generation always ends.
func (p *placeNames) next(gen func() string) string {
	for range 50 {
		if n := gen(); !p.used[n] {
			p.used[n] = true
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s%d", gen(), i); !p.used[n] {
			p.used[n] = true
			return n
		}
	}
}

func (p *placeNames) township() string {
	return p.next(func() string { return pick(p.r, placeFirst) + pick(p.r, placeSecond) })
}

func (p *placeNames) village() string {
	return p.next(func() string {
		a, b := pick(p.r, villFirst), pick(p.r, villSecond)
		for a == b {
			b = pick(p.r, villSecond)
		}
		return a + b
	})
}

func (p *placeNames) community() string {
	return p.next(func() string { return pick(p.r, commFirst) + pick(p.r, commSecond) })
}

// officePhone returns a landline in the city's area code.
func officePhone(r *rand.Rand) string {
	return fmt.Sprintf("0571-8%07d", r.IntN(10_000_000))
}

// mobile returns an 11-digit mobile number with a real operator prefix.
func mobile(r *rand.Rand) string {
	prefixes := []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
		"153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199"}
	return pick(r, prefixes) + fmt.Sprintf("%08d", r.IntN(100_000_000))
}
