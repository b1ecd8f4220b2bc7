"""Every setting, read once from GRIDMAP_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from gridmap import PROJECT_ROOT

#: Values of Config.after_risk_category.
AFTER_RISK_CATEGORIES = ("base", "lifted", "ordinary", "monitored")
#: Travel speed per road class (the OSM highway value, or ferry) in km/h, each overridden by
#: GRIDMAP_ROAD_SPEED_<CLASS>_KMH; `other` is any class not named. An edge's speed is the
#: lower of this and its posted limit.
ROAD_SPEED_DEFAULTS_KMH: dict[str, float] = {
    "motorway": 100.0, "trunk": 80.0, "primary": 60.0, "secondary": 50.0, "tertiary": 40.0,
    "unclassified": 30.0, "residential": 25.0, "service": 15.0, "track": 15.0, "ferry": 10.0,
    "other": 20.0,
}  # fmt: skip


@dataclass(frozen=True)
class Config:
    """Settings; `Config.from_env()` reads them, tests build one directly."""

    #: External PostGIS server; empty means the embedded cluster under var_dir.
    database_url: str = ""
    #: Where the embedded cluster and its location record live.
    var_dir: Path = PROJECT_ROOT / "var"
    timezone: str = "Asia/Shanghai"
    #: Slivers of overlap or gap smaller than this are digitising noise.
    gap_tolerance_m2: float = 1.0
    #: XYZ tile URL template for the base map; empty means a plain background.
    basemap_url: str = ""
    basemap_attribution: str = ""
    #: An offline tile package on the server (.mbtiles or .pmtiles: raster tiles, or vector
    #: tiles written by `gridmap export basemap`), served at /tiles/package/ for offices with
    #: no Internet; empty means none. A file that cannot be served stops start-up.
    basemap_file: str = ""
    secret_key: str = ""
    #: Households one worker can look after.
    worker_capacity: int = 150
    #: Workers older than this are due for replacement.
    worker_age_limit: int = 65
    #: Suggested workers come from the same township only.
    suggest_same_township: bool = True
    #: Visit windows in days per household category.
    visit_window_monitored_days: int = 30
    visit_window_lifted_days: int = 90
    visit_window_ordinary_days: int = 180
    #: The visit window of a household whose risk was eliminated: "base" (its own base
    #: category's: 脱贫户 lifted, else ordinary), or "lifted", "ordinary", "monitored".
    after_risk_category: str = "base"
    #: A visit's check-in farther than this from the household is doubtful.
    checkin_max_m: float = 500.0
    statement_timeout_ms: int = 15000
    #: The database roles the web app's connections switch to (SET ROLE): not the tables'
    #: owner, so row-level security limits them to the request's scope (migration 0016). The
    #: local role serves accounts that see less than a county (a township, a worker's groups).
    web_db_role: str = "gridmap_web"
    web_db_local_role: str = "gridmap_web_local"
    default_locale: str = "zh_Hans_CN"
    #: Password rules, lockout and idle timeout as graded-protection reviews expect.
    password_min_length: int = 10
    #: How new passwords are hashed (a werkzeug method such as scrypt or pbkdf2:sha256:600000);
    #: stored hashes keep the method they were made with.
    password_hash_method: str = "scrypt"
    login_max_failures: int = 5
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    #: Mark session cookies Secure (set when served over HTTPS).
    secure_cookies: bool = False
    login_rate_limit: str = "10 per minute"
    #: Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated);
    #: empty means the connecting address is the client.
    trusted_proxies: str = ""
    #: Password of the demo accounts; empty means a random one each, printed once.
    demo_password: str = ""
    upload_max_mb: int = 50
    import_max_rows: int = 300_000
    #: What a zip-based file (XLSX, zipped Shapefile) may unpack to, uploaded or imported.
    upload_max_unpacked_mb: int = 250
    #: Unannounced inspections (暗访). Start and end of every team-day as "lon,lat"; empty means
    #: the label point of the first village (the seat) of the county's first township.
    inspection_seat: str = ""
    #: Road distance = straight line × detour factor; driving time at the average speed.
    inspection_detour_factor: float = 1.4
    inspection_speed_kmh: float = 40.0
    #: When each team-day starts (HH:MM); arrival times count from here.
    inspection_day_start: str = "08:30"
    #: Minutes spent at a stop of each kind.
    inspection_stop_minutes_household: int = 30
    inspection_stop_minutes_project: int = 45
    inspection_stop_minutes_unit: int = 40
    #: Worth of an optional stop per unit of weight, in seconds of travel. Above a working day,
    #: so a stop that fits is always visited and only lack of time drops one.
    inspection_prize_seconds: int = 36_000
    #: Sampling weights: a monitored household, plus each of its problems; a project under
    #: construction; a group without an active worker; a low-visit village (up to twice this).
    inspection_weight_household: float = 1.0
    inspection_weight_at_risk: float = 1.0
    inspection_weight_overdue: float = 1.0
    inspection_weight_no_contact: float = 1.0
    inspection_weight_project: float = 3.0
    inspection_weight_no_worker: float = 2.0
    inspection_weight_low_visit: float = 2.0
    #: How many of the villages with the lowest visit rate may be sampled.
    inspection_low_visit_villages: int = 20
    #: Project statuses that count as under construction (comma-separated; stored statuses are
    #: approved, started and completed).
    inspection_project_statuses: str = "started"
    #: Guard on the route search per plan (seconds). The search ends after a fixed number of
    #: iterations, so the same seed gives the same plan; only a search cut short here does not.
    inspection_solve_seconds: float = 30.0
    #: `gridmap import osm` keeps what lies within this many metres of the county's border,
    #: so roads that leave the county and come back, and the towns just outside, stay whole.
    osm_margin_m: float = 5000.0
    #: Road speeds per class (see ROAD_SPEED_DEFAULTS_KMH), read from the per-class variables.
    road_speed_kmh: dict[str, float] = field(default_factory=lambda: dict(ROAD_SPEED_DEFAULTS_KMH))
    #: Speed on foot from a stop to the nearest road and back.
    road_snap_kmh: float = 5.0
    static_dir: Path = PROJECT_ROOT / "static"
    geodata_dir: Path = PROJECT_ROOT / "geodata"
    migrations_dir: Path = PROJECT_ROOT / "migrations"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.after_risk_category not in AFTER_RISK_CATEGORIES:
            raise ValueError(
                f"GRIDMAP_AFTER_RISK_CATEGORY is '{self.after_risk_category}'; use one of "
                + ", ".join(AFTER_RISK_CATEGORIES)
            )

    @classmethod
    def from_env(cls) -> Config:
        """Build the configuration from GRIDMAP_<FIELD> variables, defaults elsewhere."""
        values: dict = {}
        for f in fields(cls):
            if f.name in {"extra", "road_speed_kmh"}:
                continue
            raw = os.environ.get(f"GRIDMAP_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls, f.name, None)
            values[f.name] = _convert(raw, default)
        return cls(**values, road_speed_kmh=_road_speeds_from_env())

    def visit_windows_days(self) -> dict[str, int]:
        """Visit window per household category (lifted, monitored, ordinary)."""
        return {
            "monitored": self.visit_window_monitored_days,
            "lifted": self.visit_window_lifted_days,
            "ordinary": self.visit_window_ordinary_days,
        }


def _road_speeds_from_env() -> dict[str, float]:
    """ROAD_SPEED_DEFAULTS_KMH with each GRIDMAP_ROAD_SPEED_<CLASS>_KMH that is set."""
    speeds = dict(ROAD_SPEED_DEFAULTS_KMH)
    for road_class in speeds:
        raw = os.environ.get(f"GRIDMAP_ROAD_SPEED_{road_class.upper()}_KMH")
        if raw is not None:
            speeds[road_class] = float(raw)
    return speeds


def _convert(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw)
    return raw
