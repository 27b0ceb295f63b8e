//! Scenario 2, `person`: a checked `Person` record and a columnar `Payroll` table.
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/person.py`. The
//! payroll keeps one column per field (names, ages, salaries), so the binding crates can hand
//! the age and salary columns to NumPy as views instead of copies.

use crate::arrays::sum;
use crate::random::draw;
use crate::{CoreError, CoreResult};

/// The longest name, in characters (Unicode scalar values).
pub const NAME_MAX_CHARS: usize = 256;
/// The oldest age.
pub const AGE_MAX: i64 = 150;
/// Up to this `k`, `top_earners` keeps the best in one pass; above, it selects and sorts.
const TOP_EARNERS_SCAN_MAX: usize = 64;

/// The first names of generated persons, in the spec's order (`NAMES` in `pure/person.py`).
pub const NAMES: [&str; 64] = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Anders",
    "Aroha",
    "Björk",
    "Chen",
    "Chiara",
    "Dagny",
    "Dmitri",
    "Eero",
    "Élodie",
    "Emeka",
    "Farah",
    "Gustav",
    "Hana",
    "Hiroshi",
    "Ingrid",
    "Isabel",
    "Jasper",
    "José",
    "Kalani",
    "Kofi",
    "Lale",
    "Laila",
    "Łukasz",
    "Mai",
    "Marek",
    "Mateo",
    "Mei",
    "Nadia",
    "Niamh",
    "Nikos",
    "Noor",
    "Olga",
    "Omar",
    "Priya",
    "Quentin",
    "Rafael",
    "Ravi",
    "Renée",
    "Rosa",
    "Saanvi",
    "Sakura",
    "Selin",
    "Siobhán",
    "Søren",
    "Tariq",
    "Thandi",
    "Tomás",
    "Uma",
    "Valentina",
    "Wei",
    "Xiadani",
    "Yara",
    "Yusuf",
    "Zanele",
    "Zoë",
    "Žofia",
    "Ngozi",
    "Kwame",
    "Ines",
    "Li Na",
];

/// Checks a name: 1 to [`NAME_MAX_CHARS`] characters.
pub fn check_name(name: &str) -> CoreResult<()> {
    let count = name.chars().count();
    if count == 0 || count > NAME_MAX_CHARS {
        return Err(CoreError::InvalidValue(format!(
            "name must have 1 to {NAME_MAX_CHARS} characters, not {count}"
        )));
    }
    Ok(())
}

/// Checks an age: `0..=AGE_MAX`.
pub fn check_age(age: i64) -> CoreResult<u8> {
    u8::try_from(age)
        .ok()
        .filter(|&a| i64::from(a) <= AGE_MAX)
        .ok_or_else(|| CoreError::InvalidValue(format!("age must be in 0..={AGE_MAX}, not {age}")))
}

/// Checks a salary: finite and `>= 0`.
pub fn check_salary(salary: f64) -> CoreResult<f64> {
    if salary.is_finite() && salary >= 0.0 {
        Ok(salary)
    } else {
        Err(CoreError::InvalidValue(format!(
            "salary must be finite and >= 0, not {salary:?}"
        )))
    }
}

/// A person whose every field was checked when it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    name: String,
    age: u8,
    salary: f64,
}

impl Person {
    /// A person, or the first field's error.
    pub fn new(name: &str, age: i64, salary: f64) -> CoreResult<Self> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            age: check_age(age)?,
            salary: check_salary(salary)?,
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The age.
    pub fn age(&self) -> i64 {
        i64::from(self.age)
    }

    /// The salary.
    pub fn salary(&self) -> f64 {
        self.salary
    }

    /// Sets the name; unchanged on error.
    pub fn set_name(&mut self, name: &str) -> CoreResult<()> {
        check_name(name)?;
        name.clone_into(&mut self.name);
        Ok(())
    }

    /// Sets the age; unchanged on error.
    pub fn set_age(&mut self, age: i64) -> CoreResult<()> {
        self.age = check_age(age)?;
        Ok(())
    }

    /// Sets the salary; unchanged on error.
    pub fn set_salary(&mut self, salary: f64) -> CoreResult<()> {
        self.salary = check_salary(salary)?;
        Ok(())
    }
}

/// The fields of person `index` of `Payroll::generate(_, seed)`: name, age, salary.
fn generated_fields(seed: u64, index: u64) -> (&'static str, u8, f64) {
    let name = NAMES[(draw(seed, 3 * index) % NAMES.len() as u64) as usize];
    let age = 18 + (draw(seed, 3 * index + 1) % 50) as u8;
    let cents = 200_000 + draw(seed, 3 * index + 2) % 800_001;
    (name, age, cents as f64 / 100.0)
}

/// Many persons in insertion order, stored as columns.
///
/// The names live one after another in one `String` (an arena, as Arrow stores strings), with
/// the end of each in `name_ends`: a payroll of a million persons makes a handful of
/// allocations, not a million, and frees them as fast.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payroll {
    names: String,
    name_ends: Vec<usize>,
    ages: Vec<i64>,
    salaries: Vec<f64>,
}

impl Payroll {
    /// An empty payroll.
    pub fn new() -> Self {
        Self::default()
    }

    /// `n` generated persons (see the spec); [`CoreError::OutOfMemory`] if they do not fit.
    pub fn generate(n: usize, seed: u64) -> CoreResult<Self> {
        let mut payroll = Self::new();
        // Eight bytes a name is about the mean of `NAMES`; the arena grows if it is short.
        let bytes = n.saturating_mul(3 * 8 + 8);
        let failed = |_| CoreError::OutOfMemory { bytes };
        payroll
            .names
            .try_reserve_exact(n.saturating_mul(8))
            .map_err(failed)?;
        payroll.name_ends.try_reserve_exact(n).map_err(failed)?;
        payroll.ages.try_reserve_exact(n).map_err(failed)?;
        payroll.salaries.try_reserve_exact(n).map_err(failed)?;
        for index in 0..n as u64 {
            let (name, age, salary) = generated_fields(seed, index);
            payroll.push_fields(name, age, salary);
        }
        Ok(payroll)
    }

    /// The number of persons.
    pub fn len(&self) -> usize {
        self.ages.len()
    }

    /// Whether there is nobody.
    pub fn is_empty(&self) -> bool {
        self.ages.is_empty()
    }

    /// The name of the person at `index`, if there is one.
    pub fn name(&self, index: usize) -> Option<&str> {
        let end = *self.name_ends.get(index)?;
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.name_ends[before]);
        self.names.get(start..end)
    }

    /// A copy of the person at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<Person> {
        Some(Person {
            name: self.name(index)?.to_owned(),
            age: u8::try_from(self.ages[index]).ok()?,
            salary: self.salaries[index],
        })
    }

    /// Adds a person at the end.
    pub fn push(&mut self, person: Person) {
        self.push_fields(&person.name, person.age, person.salary);
    }

    /// Adds checked fields at the end.
    fn push_fields(&mut self, name: &str, age: u8, salary: f64) {
        self.names.push_str(name);
        self.name_ends.push(self.names.len());
        self.ages.push(i64::from(age));
        self.salaries.push(salary);
    }

    /// The pairwise sum of every salary.
    pub fn total_salary(&self) -> f64 {
        sum(&self.salaries)
    }

    /// `(band start, mean salary)` for every band `[k * width, (k + 1) * width)` that holds
    /// someone, ascending; each mean a pairwise sum in table order over the count.
    ///
    /// A counting sort: one pass counts each band, one scatters the salaries into a single
    /// buffer band by band (stable, so each band keeps table order), then each band's slice
    /// is summed. Ages are `0..=AGE_MAX`, so there are at most `AGE_MAX + 1` bands.
    pub fn mean_salary_by_age_band(&self, width: i64) -> CoreResult<Vec<(i64, f64)>> {
        if width < 1 {
            return Err(CoreError::InvalidValue(format!(
                "width must be >= 1, not {width}"
            )));
        }
        // Every age went through `check_age`, so a table of `0..=AGE_MAX` gives each band
        // without a division per person (an integer division costs tens of cycles).
        let table: Vec<usize> = (0..=AGE_MAX).map(|age| (age / width) as usize).collect();
        let band_of = |age: i64| table[age as usize];
        let bands = band_of(AGE_MAX) + 1;
        let mut counts = vec![0_usize; bands];
        for &age in &self.ages {
            counts[band_of(age)] += 1;
        }
        // Band b's salaries go to `grouped[starts[b]..starts[b] + counts[b]]`, in table order.
        let starts: Vec<usize> = counts
            .iter()
            .scan(0, |before, &count| {
                let start = *before;
                *before += count;
                Some(start)
            })
            .collect();
        let mut next = starts.clone();
        let mut grouped = vec![0.0; self.salaries.len()];
        for (&age, &salary) in self.ages.iter().zip(&self.salaries) {
            let band = band_of(age);
            grouped[next[band]] = salary;
            next[band] += 1;
        }
        Ok(starts
            .iter()
            .zip(&counts)
            .enumerate()
            .filter(|&(_, (_, &count))| count > 0)
            .map(|(band, (&start, &count))| {
                let salaries = &grouped[start..start + count];
                (band as i64 * width, sum(salaries) / count as f64)
            })
            .collect())
    }

    /// Multiplies the salary of everyone aged `min_age` or more by `1 + percent / 100` and
    /// returns how many; nothing changes if a salary would overflow.
    ///
    /// Branch-free (a select per person, which the compiler vectorises): ages are random, so a
    /// branch on `age >= min_age` would be mispredicted a third of the time. Rounding is
    /// monotonic and the factor `>= 0`, so only the largest chosen salary can overflow first.
    pub fn give_raise(&mut self, percent: f64, min_age: i64) -> CoreResult<usize> {
        if !(percent.is_finite() && percent >= -100.0) {
            return Err(CoreError::InvalidValue(format!(
                "percent must be finite and >= -100, not {percent:?}"
            )));
        }
        let factor = 1.0 + percent / 100.0;
        let largest =
            self.ages
                .iter()
                .zip(&self.salaries)
                .fold(0.0_f64, |largest, (&age, &salary)| {
                    if age >= min_age {
                        largest.max(salary)
                    } else {
                        largest
                    }
                });
        if !(largest * factor).is_finite() {
            return Err(CoreError::InvalidValue(
                "give_raise: a salary would overflow; nothing was changed".into(),
            ));
        }
        let mut raised = 0;
        for (&age, salary) in self.ages.iter().zip(self.salaries.iter_mut()) {
            let chosen = age >= min_age;
            *salary = if chosen { *salary * factor } else { *salary };
            raised += usize::from(chosen);
        }
        Ok(raised)
    }

    /// Copies of the `k` best-paid persons, best first; ties keep table order.
    ///
    /// For the usual small `k`, one pass keeps the best `k` so far in order: after the first
    /// few thousand persons almost nobody beats the `k`-th, so the pass is a predictable
    /// comparison per person. A large `k` takes a selection and a sort of the chosen instead.
    /// Either way the order (salary descending, then index) is the spec's stable sort.
    pub fn top_earners(&self, k: usize) -> Vec<Person> {
        let k = k.min(self.len());
        let order = if k <= TOP_EARNERS_SCAN_MAX {
            self.best_by_scan(k)
        } else {
            self.best_by_selection(k)
        };
        order
            .into_iter()
            .filter_map(|index| self.get(index))
            .collect()
    }

    fn best_by_scan(&self, k: usize) -> Vec<usize> {
        let mut best: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        if k == 0 {
            return Vec::new();
        }
        for (index, &salary) in self.salaries.iter().enumerate() {
            // Strictly greater: an equal salary later in the table ranks after the earlier.
            if best.len() == k && best.last().is_some_and(|&(last, _)| salary <= last) {
                continue;
            }
            let at = best.partition_point(|&(better, _)| better >= salary);
            best.insert(at, (salary, index));
            best.truncate(k);
        }
        best.into_iter().map(|(_, index)| index).collect()
    }

    fn best_by_selection(&self, k: usize) -> Vec<usize> {
        // partial_cmp (salaries are never NaN) ties 0.0 with -0.0, as Python's comparison does.
        let better = |a: &usize, b: &usize| {
            let (left, right) = (self.salaries[*b], self.salaries[*a]);
            left.partial_cmp(&right)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(b))
        };
        let mut order: Vec<usize> = (0..self.len()).collect();
        if k < order.len() {
            order.select_nth_unstable_by(k - 1, better);
            order.truncate(k);
        }
        order.sort_unstable_by(better);
        order
    }

    /// The age column.
    pub fn ages(&self) -> &[i64] {
        &self.ages
    }

    /// The salary column.
    pub fn salaries(&self) -> &[f64] {
        &self.salaries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_are_checked_and_unchanged_on_error() {
        let mut ada = Person::new("Ada", 36, 5200.0).unwrap();
        assert!(ada.set_age(151).is_err());
        assert!(ada.set_salary(f64::NAN).is_err());
        assert!(ada.set_name("").is_err());
        assert!(ada.set_name(&"x".repeat(257)).is_err());
        assert_eq!(ada, Person::new("Ada", 36, 5200.0).unwrap());
        assert!(Person::new("é".repeat(256).as_str(), 0, 0.0).is_ok());
        assert!(Person::new("Ada", -1, 1.0).is_err());
        assert!(Person::new("Ada", 1, -0.5).is_err());
    }

    #[test]
    fn generated_payroll_matches_the_spec() {
        // Values printed by the pure-Python spec: Payroll.generate(4, 42).
        let payroll = Payroll::generate(4, 42).unwrap();
        let expected = [
            ("José", 59, 7084.01),
            ("Jasper", 18, 6069.23),
            ("Mateo", 26, 7828.23),
            ("Siobhán", 25, 4722.48),
        ];
        for (index, (name, age, salary)) in expected.into_iter().enumerate() {
            assert_eq!(
                payroll.get(index),
                Some(Person::new(name, age, salary).unwrap())
            );
        }
        assert_eq!(payroll.total_salary(), 25_703.95);
        assert_eq!(
            payroll.mean_salary_by_age_band(10).unwrap(),
            [(10, 6069.23), (20, 6275.355), (50, 7084.01)]
        );
        let top = payroll.top_earners(2);
        assert_eq!(top[0].name(), "Mateo");
        assert_eq!(top[1].name(), "José");
    }

    #[test]
    fn top_earners_keep_table_order_on_ties() {
        let mut payroll = Payroll::new();
        for (name, salary) in [("A", 1.0), ("B", 3.0), ("C", 1.0), ("D", 3.0), ("E", -0.0)] {
            payroll.push(Person::new(name, 30, salary).unwrap());
        }
        payroll.push(Person::new("F", 30, 0.0).unwrap());
        let names = |k| {
            payroll
                .top_earners(k)
                .iter()
                .map(|person| person.name().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(3), ["B", "D", "A"]);
        assert_eq!(names(5), ["B", "D", "A", "C", "E"]);
        assert_eq!(names(10), ["B", "D", "A", "C", "E", "F"]);
        assert!(names(0).is_empty());
    }

    #[test]
    fn both_top_earner_paths_agree_on_ties() {
        let mut payroll = Payroll::new();
        for index in 0..2_000_u64 {
            let salary = (crate::random::draw(3, index) % 50) as f64;
            let salary = if salary == 0.0 && index % 2 == 0 {
                -0.0
            } else {
                salary
            };
            payroll.push(Person::new("P", (index % 100) as i64, salary).unwrap());
        }
        for k in [1, 7, 64, 2_000, 5_000] {
            let wanted = k.min(payroll.len());
            let scan = payroll.best_by_scan(wanted);
            let selection = if wanted == 0 {
                Vec::new()
            } else {
                payroll.best_by_selection(wanted)
            };
            assert_eq!(scan, selection, "k = {k}");
        }
        let bands = payroll.mean_salary_by_age_band(7).unwrap();
        assert_eq!(bands.len(), 15);
        let naive: f64 = payroll.salaries()[..]
            .iter()
            .zip(payroll.ages())
            .filter(|&(_, &age)| age < 7)
            .map(|(salary, _)| salary)
            .sum::<f64>()
            / 140.0;
        assert!((bands[0].1 - naive).abs() < 1e-9);
    }

    #[test]
    fn raises_are_all_or_nothing() {
        let mut payroll = Payroll::generate(100, 1).unwrap();
        let before = payroll.clone();
        assert!(payroll.give_raise(f64::NAN, 0).is_err());
        assert!(payroll.give_raise(-100.5, 0).is_err());
        payroll.push(Person::new("Rich", 40, f64::MAX).unwrap());
        assert!(payroll.give_raise(10.0, 0).is_err());
        assert_eq!(&payroll.salaries()[..100], before.salaries());
        let raised = payroll.give_raise(10.0, 60).unwrap();
        assert_eq!(raised, before.ages().iter().filter(|&&a| a >= 60).count());
        assert!(payroll.mean_salary_by_age_band(0).is_err());
    }
}
