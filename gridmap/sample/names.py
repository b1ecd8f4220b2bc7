"""Chinese names and identifiers for the fictional sample county: places, people, numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Common surnames in the hills of southern Anhui (Huizhou/Chizhou region), roughly by frequency.
SURNAMES = list(
    "汪王李张陈吴方程胡章刘杨黄徐余周曹江查许朱何叶钱潘孙郑谢姚洪舒檀操桂戴鲍詹柯项倪凌汤韩"
)
_SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8

_GIVEN_MALE = list("国建德明华文志永春海金树林荣平伟军胜福根发兴旺长来宝友进成贵和先学红光义")
_GIVEN_FEMALE = list("秀英兰芳梅珍桂凤玉花琴霞丽萍云翠娟红燕香菊莲娥美玲")

# Place-name parts typical of the region: first a descriptive char, then a landform suffix.
_PLACE_FIRST = list(
    "黄杨柏梅桂竹石青龙凤仙丰高长新大小上下东西南北兰杜陈汪方程查章吴余许朱洪金古麻茅棠枫"
    "松桃杏荷莲双三九牛马鹤雁乌白红碧苍清瑶桥舒岩樟檀茶"
)
_PLACE_SUFFIX = list("溪岭桥山冲坑畈湾塘岗埠口源坞铺店庄河湖港圩洲坪垅园田亭")
# Natural-hamlet names used for villager groups: "<surname>家" or a small landform name.
_HAMLET_PARTS = list("上下前后里外新老高低东西南北大小")
_HAMLET_SUFFIX = list("屋湾坞冲坑畈塘垅岭边")

_DIGITS = "零一二三四五六七八九"
_PHONE_PREFIXES = np.array(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "177 180 181 182 183 185 186 187 188 189 199".split()
)
# GB 11643 check-digit weights and the check character for each remainder modulo 11.
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def chinese_numeral(n: int) -> str:
    """Return the Chinese numeral for 1 <= n <= 99 (一, 十, 十一, 二十三)."""
    if not 1 <= n <= 99:
        raise ValueError(f"numeral out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def place_names(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """Return n distinct two-character place names not in `taken` (which is updated)."""
    taken = set() if taken is None else taken
    names: list[str] = []
    while len(names) < n:
        first = _PLACE_FIRST[rng.integers(len(_PLACE_FIRST))]
        suffix = _PLACE_SUFFIX[rng.integers(len(_PLACE_SUFFIX))]
        name = first + suffix
        if first != suffix and name not in taken:
            taken.add(name)
            names.append(name)
    return names


def group_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return n distinct villager-group names in one of the styles a village uses."""
    style = rng.choice(3, p=[0.55, 0.25, 0.20])
    if style == 0:
        return [f"第{chinese_numeral(i)}村民小组" for i in range(1, n + 1)]
    if style == 1:
        return [f"{chinese_numeral(i)}组" for i in range(1, n + 1)]
    names: list[str] = []
    while len(names) < n:
        if rng.random() < 0.5:
            stem = SURNAMES[rng.integers(len(SURNAMES))] + "家"
        else:
            stem = _HAMLET_PARTS[rng.integers(len(_HAMLET_PARTS))]
            stem += _HAMLET_SUFFIX[rng.integers(len(_HAMLET_SUFFIX))]
        if stem + "组" not in names:
            names.append(stem + "组")
    return names


def surname_indices(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return n indices into SURNAMES drawn with realistic frequencies."""
    p = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    return rng.choice(len(SURNAMES), size=n, p=p)


def person_names(rng: np.random.Generator, surname_idx: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Return one full name per surname index: surname + 1 or 2 given chars by sex."""
    n = len(surname_idx)
    male_pool = np.array(_GIVEN_MALE)
    female_pool = np.array(_GIVEN_FEMALE)
    first = np.where(
        male,
        male_pool[rng.integers(len(male_pool), size=n)],
        female_pool[rng.integers(len(female_pool), size=n)],
    )
    second = np.where(
        male,
        male_pool[rng.integers(len(male_pool), size=n)],
        female_pool[rng.integers(len(female_pool), size=n)],
    )
    # About a quarter of rural names of that generation have a single given character.
    second = np.where(rng.random(n) < 0.25, "", second)
    surnames = np.array(SURNAMES)[surname_idx]
    return np.char.add(np.char.add(surnames, first), second)


def _unique_strings(make, n: int) -> np.ndarray:
    """Return make(rows) for rows 0..n-1, redrawing rows until all strings are distinct."""
    out = make(np.arange(n)).astype(object)
    dup = pd.Series(out).duplicated().to_numpy()
    while dup.any():
        out[dup] = make(np.flatnonzero(dup))
        dup = pd.Series(out).duplicated().to_numpy()
    return out


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Return n random zero-padded decimal strings of the given width."""
    if n == 0:  # numpy's zfill cannot size an empty array
        return np.array([], dtype=f"<U{width}")
    return np.char.zfill(rng.integers(0, 10**width, n).astype(str), width)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return n distinct plausible 11-digit mainland mobile numbers."""
    return _unique_strings(
        lambda rows: np.char.add(
            _PHONE_PREFIXES[rng.integers(len(_PHONE_PREFIXES), size=len(rows))],
            _digits(rng, len(rows), 8),
        ),
        n,
    )


def id_numbers(
    rng: np.random.Generator,
    region: str,
    age_years: np.ndarray,
    male: np.ndarray,
    reference_year: int,
) -> np.ndarray:
    """Return distinct 18-character resident ID numbers for people of the given ages in
    reference_year (GB 11643: region, birth date, odd order code for men, check digit)."""
    ref = np.datetime64(f"{reference_year}-06-30")
    birth = ref - (age_years * 365.25).astype(int).astype("timedelta64[D]")
    born = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")

    def make(rows: np.ndarray) -> np.ndarray:
        seq = rng.integers(0, 500, len(rows)) * 2 + male[rows]  # odd order code = male
        body = np.char.add(np.char.add(region, born[rows]), np.char.zfill(seq.astype(str), 3))
        digits = np.frombuffer(body.astype("S17").tobytes(), np.uint8).reshape(-1, 17) - 48
        return np.char.add(body, _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11])

    return _unique_strings(make, len(age_years))
