"""Messages of the unit profile page (单位画像, views/profile.py): its name, heading and title,
its panels' titles and hints, and the rank among peers figure's words."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.profile": ("单位画像", "Unit profile"),
    "page.profile.title": ("单位画像 · 机关事务运行监测中心", "Unit profile · Agency Operations Command Center"),
    "page.profile.heading": ("单位画像", "Unit profile"),
    # --- panels ----------------------------------------------------------------------------------
    "profile_page.rank.title": ("同级排名", "Rank among peers"),
    "profile_page.rank.hint": (
        "本单位在同一上级的各单位中所处位置：条形为优于同级单位的比例，绿色优于中位数，红色劣于；名次 1 为最优",
        "Where the unit stands among its parent's units: the bar is the share of peers it does better "
        "than, green above the median, red below; rank 1 is the best",
    ),
    "profile_page.energy.title": ("能耗 · 年度定额预测", "Energy · year-end projection against the quota"),
    "profile_page.energy.hint": (
        "综合能耗（含公务用车燃油）逐月累计，按当前进度预测至年末，对照约束值、基准值、引导值",
        "Total energy (official vehicles' fuel included) month by month, projected to the year end "
        "at the current pace, against the limit, benchmark and guide values",
    ),
    "profile_page.vehicle.title": ("公务用车 · 分类车辆与编制", "Vehicles · fleet against quota by class"),
    "profile_page.vehicle.hint": (
        "各类公务用车实有数与核定编制数，红色为超编",
        "Vehicles held and the approved quota per class, over quota in red",
    ),
    "profile_page.asset.title": ("资产 · 各单位资产状态", "Assets · status by unit"),
    "profile_page.asset.hint": (
        "所选期间末各下级单位资产在用、闲置、公物仓在库件数，点击条形查看该单位画像",
        "Each unit's assets in use, idle and in the public property warehouse at the period's end; "
        "click a bar for that unit's profile",
    ),
    "profile_page.housing.title": ("办公用房 · 人均面积与标准", "Office space · area per person against the standard"),
    "profile_page.housing.hint": (
        "所选期间末各下级单位人均办公面积，分为标准以内和超标部分",
        "Each unit's office area per person at the period's end, within the standard and over it",
    ),
    # --- the rank among peers figure ---------------------------------------------------------------
    "profile_page.rank.scope_root": (
        "{name}是您可查看范围的最高一级，其同级单位不在查看范围内，不作排名",
        "{name} is the top of what you may see: its peers lie outside your scope, so it is not ranked",
    ),
    "profile_page.rank.no_peers": ("没有可比的同级单位数据", "No peer has figures to compare with"),
    "profile_page.rank.axis": ("优于同级单位的比例", "Share of peers it does better than"),
    "profile_page.rank.position": ("第 {rank}/{count} 位", "{rank} of {count}"),
    "profile_page.rank.value": ("本单位", "This unit"),
    "profile_page.rank.median": ("同级中位数", "Peer median"),
    "profile_page.rank.better": ("优于同级中位数", "Better than the peers' median"),
    "profile_page.rank.worse": ("劣于同级中位数", "Worse than the peers' median"),
    "profile_page.rank.even": ("与同级中位数持平", "Level with the peers' median"),
}
