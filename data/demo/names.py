"""Invented place names, agency names, person names and vehicle models for the demo province.

The province, its cities and counties are fictional (江临省, Jianglin). Agency names follow the
real naming of provincial departments (厅), city bureaus (局) and county bureaus. Phone numbers
use the unallocated prefix 100 and ID numbers the non-existent region code 99, so nothing
generated can be a real person's number.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

PROVINCE_ZH = "江临"
PROVINCE_EN = "Jianglin"
PROVINCE_CODE = "JL"
PLATE_PREFIX = "临"
# Licence-plate letters: A for the provincial capital's agencies, then one per city (no I or O).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

CITY_NAMES = (
    ("临江", "Linjiang"),
    ("云州", "Yunzhou"),
    ("青川", "Qingchuan"),
    ("南屏", "Nanping"),
    ("北岭", "Beiling"),
    ("东湖", "Donghu"),
    ("西山", "Xishan"),
    ("安澜", "Anlan"),
    ("泰和", "Taihe"),
    ("清源", "Qingyuan"),
    ("明川", "Mingchuan"),
    ("凤鸣", "Fengming"),
    ("嘉禾", "Jiahe"),
    ("白石", "Baishi"),
    ("金川", "Jinchuan"),
    ("玉泉", "Yuquan"),
)

# County names are two of these characters (first + second) followed by 县.
COUNTY_FIRST = (
    ("安", "an"),
    ("永", "yong"),
    ("宁", "ning"),
    ("兴", "xing"),
    ("和", "he"),
    ("丰", "feng"),
    ("庆", "qing"),
    ("康", "kang"),
    ("长", "chang"),
    ("乐", "le"),
    ("新", "xin"),
    ("广", "guang"),
    ("德", "de"),
    ("昌", "chang"),
    ("元", "yuan"),
    ("华", "hua"),
    ("平", "ping"),
    ("顺", "shun"),
    ("柳", "liu"),
    ("桐", "tong"),
)
COUNTY_SECOND = (
    ("平", "ping"),
    ("阳", "yang"),
    ("宁", "ning"),
    ("远", "yuan"),
    ("山", "shan"),
    ("川", "chuan"),
    ("城", "cheng"),
    ("源", "yuan"),
    ("水", "shui"),
    ("泉", "quan"),
    ("江", "jiang"),
    ("林", "lin"),
    ("溪", "xi"),
    ("丰", "feng"),
    ("乡", "xiang"),
    ("安", "an"),
    ("谷", "gu"),
    ("陵", "ling"),
    ("河", "he"),
    ("岗", "gang"),
)

# (key, Chinese suffix after the region's name, English name with {region}). The first two
# entries of every level always exist: the government office (whose staff include the region's
# top leaders) and the offices administration (机关事务管理局), which owns the turnover housing.
PROVINCE_AGENCIES = (
    ("gov_office", "省人民政府办公厅", "General Office of the {region} Provincial Government"),
    ("affairs", "省机关事务管理局", "{region} Provincial Government Offices Administration"),
    ("finance", "省财政厅", "{region} Provincial Department of Finance"),
    ("education", "省教育厅", "{region} Provincial Department of Education"),
    ("development", "省发展和改革委员会", "{region} Provincial Development and Reform Commission"),
    ("public_security", "省公安厅", "{region} Provincial Department of Public Security"),
    ("emergency", "省应急管理厅", "{region} Provincial Department of Emergency Management"),
    ("science", "省科学技术厅", "{region} Provincial Department of Science and Technology"),
    ("industry", "省工业和信息化厅", "{region} Provincial Department of Industry and Information Technology"),
    ("civil_affairs", "省民政厅", "{region} Provincial Department of Civil Affairs"),
    ("justice", "省司法厅", "{region} Provincial Department of Justice"),
    ("hr", "省人力资源和社会保障厅", "{region} Provincial Department of Human Resources and Social Security"),
    ("natural_resources", "省自然资源厅", "{region} Provincial Department of Natural Resources"),
    ("ecology", "省生态环境厅", "{region} Provincial Department of Ecology and Environment"),
    ("housing", "省住房和城乡建设厅", "{region} Provincial Department of Housing and Urban-Rural Development"),
    ("transport", "省交通运输厅", "{region} Provincial Department of Transport"),
    ("water", "省水利厅", "{region} Provincial Department of Water Resources"),
    ("agriculture", "省农业农村厅", "{region} Provincial Department of Agriculture and Rural Affairs"),
    ("commerce", "省商务厅", "{region} Provincial Department of Commerce"),
    ("culture", "省文化和旅游厅", "{region} Provincial Department of Culture and Tourism"),
    ("health", "省卫生健康委员会", "{region} Provincial Health Commission"),
    ("veterans", "省退役军人事务厅", "{region} Provincial Department of Veterans Affairs"),
    ("audit", "省审计厅", "{region} Provincial Audit Office"),
    ("market", "省市场监督管理局", "{region} Provincial Administration for Market Regulation"),
    ("statistics", "省统计局", "{region} Provincial Bureau of Statistics"),
    ("medical_security", "省医疗保障局", "{region} Provincial Healthcare Security Administration"),
    ("forestry", "省林业局", "{region} Provincial Forestry Administration"),
    ("grain", "省粮食和物资储备局", "{region} Provincial Food and Strategic Reserves Administration"),
    ("sports", "省体育局", "{region} Provincial Sports Bureau"),
    ("radio_tv", "省广播电视局", "{region} Provincial Radio and Television Administration"),
    ("petition", "省信访局", "{region} Provincial Bureau of Letters and Calls"),
    ("financial_regulation", "省地方金融管理局", "{region} Provincial Local Financial Regulatory Administration"),
    (
        "sasac",
        "省国有资产监督管理委员会",
        "{region} Provincial State-owned Assets Supervision and Administration Commission",
    ),
    ("foreign_affairs", "省外事办公室", "{region} Provincial Foreign Affairs Office"),
    ("archives", "省档案局", "{region} Provincial Archives Bureau"),
    ("government_services", "省政务服务管理局", "{region} Provincial Government Services Administration"),
    ("data", "省数据局", "{region} Provincial Data Bureau"),
    ("energy_admin", "省能源局", "{region} Provincial Energy Administration"),
    ("drugs", "省药品监督管理局", "{region} Provincial Medical Products Administration"),
    ("ip", "省知识产权局", "{region} Provincial Intellectual Property Office"),
    ("civil_defence", "省人民防空办公室", "{region} Provincial Civil Air Defence Office"),
    ("prison", "省监狱管理局", "{region} Provincial Prison Administration Bureau"),
    ("ethnic", "省民族宗教事务委员会", "{region} Provincial Ethnic and Religious Affairs Commission"),
    ("research", "省人民政府研究室", "Research Office of the {region} Provincial Government"),
    ("counsellors", "省人民政府参事室", "Counsellors' Office of the {region} Provincial Government"),
    ("hk_macao", "省港澳事务办公室", "{region} Provincial Hong Kong and Macao Affairs Office"),
)

CITY_AGENCIES = (
    ("gov_office", "市人民政府办公室", "General Office of the {region} Municipal Government"),
    ("affairs", "市机关事务管理局", "{region} Municipal Government Offices Administration"),
    ("finance", "市财政局", "{region} Municipal Finance Bureau"),
    ("education", "市教育局", "{region} Municipal Education Bureau"),
    ("development", "市发展和改革委员会", "{region} Municipal Development and Reform Commission"),
    ("public_security", "市公安局", "{region} Municipal Public Security Bureau"),
    ("emergency", "市应急管理局", "{region} Municipal Emergency Management Bureau"),
    ("civil_affairs", "市民政局", "{region} Municipal Civil Affairs Bureau"),
    ("justice", "市司法局", "{region} Municipal Justice Bureau"),
    ("hr", "市人力资源和社会保障局", "{region} Municipal Human Resources and Social Security Bureau"),
    ("natural_resources", "市自然资源和规划局", "{region} Municipal Natural Resources and Planning Bureau"),
    ("ecology", "市生态环境局", "{region} Municipal Ecology and Environment Bureau"),
    ("housing", "市住房和城乡建设局", "{region} Municipal Housing and Urban-Rural Development Bureau"),
    ("transport", "市交通运输局", "{region} Municipal Transport Bureau"),
    ("water", "市水利局", "{region} Municipal Water Resources Bureau"),
    ("agriculture", "市农业农村局", "{region} Municipal Agriculture and Rural Affairs Bureau"),
    ("commerce", "市商务局", "{region} Municipal Commerce Bureau"),
    ("culture", "市文化广电旅游局", "{region} Municipal Culture, Radio, Television and Tourism Bureau"),
    ("health", "市卫生健康委员会", "{region} Municipal Health Commission"),
    ("audit", "市审计局", "{region} Municipal Audit Bureau"),
    ("market", "市市场监督管理局", "{region} Municipal Administration for Market Regulation"),
    ("statistics", "市统计局", "{region} Municipal Statistics Bureau"),
    ("medical_security", "市医疗保障局", "{region} Municipal Healthcare Security Bureau"),
    ("veterans", "市退役军人事务局", "{region} Municipal Veterans Affairs Bureau"),
    ("urban_management", "市城市管理局", "{region} Municipal Urban Management Bureau"),
)

COUNTY_AGENCIES = (
    ("gov_office", "县人民政府办公室", "General Office of the {region} County Government"),
    ("affairs", "县机关事务服务中心", "{region} County Government Offices Service Centre"),
    ("finance", "县财政局", "{region} County Finance Bureau"),
    ("public_security", "县公安局", "{region} County Public Security Bureau"),
    ("education", "县教育局", "{region} County Education Bureau"),
    ("emergency", "县应急管理局", "{region} County Emergency Management Bureau"),
    ("health", "县卫生健康局", "{region} County Health Bureau"),
    ("agriculture", "县农业农村局", "{region} County Agriculture and Rural Affairs Bureau"),
    ("natural_resources", "县自然资源局", "{region} County Natural Resources Bureau"),
    ("market", "县市场监督管理局", "{region} County Administration for Market Regulation"),
)

SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "袁",
    "潘",
    "于",
    "蒋",
    "蔡",
    "余",
    "杜",
    "叶",
    "程",
    "苏",
    "魏",
    "吕",
    "丁",
    "任",
    "沈",
)
GIVEN_CHARS = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
    "英",
    "华",
    "玉",
    "兰",
    "萍",
    "鹏",
    "辉",
    "建",
    "国",
    "文",
    "红",
    "海",
    "宇",
    "晨",
    "浩",
    "欣",
    "怡",
    "子",
    "轩",
    "博",
    "雪",
    "梅",
    "志",
    "斌",
    "鑫",
    "婷",
    "琳",
    "佳",
    "俊",
    "峰",
    "凯",
    "丹",
    "宁",
    "慧",
    "颖",
    "露",
    "健",
    "琪",
)

TRIP_PURPOSES = (
    "会议",
    "调研",
    "检查指导",
    "公务接待",
    "机要文件传递",
    "执法检查",
    "应急值守",
    "下乡调研",
    "项目督查",
    "培训",
    "送取材料",
    "联合执法",
    "安全检查",
    "政务服务",
    "环境监测",
)
EVENING_PURPOSES = ("加班会议", "应急处置", "夜间执法检查", "接送专家")

# (energy type, model, rated consumption range: L/100 km or kWh/100 km)
VEHICLE_MODELS = MappingProxyType(
    {
        "petrol": (
            ("红旗H5", 7.5, 8.8),
            ("大众帕萨特", 7.2, 8.4),
            ("丰田凯美瑞", 6.8, 7.8),
            ("别克GL8", 9.5, 11.0),
            ("丰田汉兰达", 9.0, 10.5),
            ("长安CS75", 7.8, 8.8),
        ),
        "diesel": (("江铃全顺", 9.0, 10.5), ("依维柯Daily", 9.5, 11.5), ("丰田普拉多", 10.0, 11.8)),
        "hybrid": (("比亚迪秦PLUS DM-i", 4.2, 5.0), ("比亚迪宋PLUS DM-i", 5.0, 5.8), ("红旗H5 PHEV", 4.8, 5.6)),
        "electric": (
            ("比亚迪汉EV", 14.0, 15.5),
            ("北汽EU5", 13.0, 14.5),
            ("红旗E-QM5", 13.5, 15.0),
            ("东风风神E70", 13.0, 14.8),
        ),
    }
)

INSURERS = ("中国人民财产保险", "中国平安财产保险", "中国太平洋财产保险", "中华联合财产保险", "中国人寿财产保险")


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese names: a common surname and one or two given characters."""
    surname = np.asarray(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    first = np.asarray(GIVEN_CHARS)[rng.integers(0, len(GIVEN_CHARS), n)]
    second = np.asarray(GIVEN_CHARS)[rng.integers(0, len(GIVEN_CHARS), n)]
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(first, second), first)
    return np.char.add(surname, given).astype(object)


def phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Eleven-digit numbers under the unallocated prefix 100."""
    return np.char.add("100", np.char.zfill(rng.integers(0, 100_000_000, n).astype(str), 8)).astype(object)


def id_numbers(rng: np.random.Generator, n: int, birth_years: np.ndarray | None = None) -> np.ndarray:
    """18-character resident-ID-shaped strings with the non-existent region code 99 and a valid check digit."""
    years = birth_years if birth_years is not None else rng.integers(1965, 2000, n)
    region = np.char.add("99", np.char.zfill(rng.integers(0, 10_000, n).astype(str), 4))
    birth = np.char.add(
        np.char.add(np.asarray(years).astype(str), np.char.zfill(rng.integers(1, 13, n).astype(str), 2)),
        np.char.zfill(rng.integers(1, 29, n).astype(str), 2),
    )
    serial = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    body = np.char.add(np.char.add(region, birth), serial)
    digits = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 17) - ord("0")
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.asarray(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
    return np.char.add(body, check).astype(object)
