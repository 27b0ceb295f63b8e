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

    /// Person `index` of `Payroll::generate(_, seed)`.
    pub fn generated(seed: u64, index: u64) -> Self {
        let name = NAMES[(draw(seed, 3 * index) % NAMES.len() as u64) as usize];
        let age = 18 + (draw(seed, 3 * index + 1) % 50) as u8;
        let cents = 200_000 + draw(seed, 3 * index + 2) % 800_001;
        Self {
            name: name.to_owned(),
            age,
            salary: cents as f64 / 100.0,
        }
    }
}

/// Many persons in insertion order, stored as three columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payroll {
    names: Vec<String>,
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
        let bytes = n.saturating_mul(std::mem::size_of::<String>() + 16);
        let failed = |_| CoreError::OutOfMemory { bytes };
        payroll.names.try_reserve_exact(n).map_err(failed)?;
        payroll.ages.try_reserve_exact(n).map_err(failed)?;
        payroll.salaries.try_reserve_exact(n).map_err(failed)?;
        for index in 0..n as u64 {
            payroll.push(Person::generated(seed, index));
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

    /// A copy of the person at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<Person> {
        Some(Person {
            name: self.names.get(index)?.clone(),
            age: u8::try_from(self.ages[index]).ok()?,
            salary: self.salaries[index],
        })
    }

    /// Adds a person at the end.
    pub fn push(&mut self, person: Person) {
        self.ages.push(i64::from(person.age));
        self.salaries.push(person.salary);
        self.names.push(person.name);
    }

    /// The pairwise sum of every salary.
    pub fn total_salary(&self) -> f64 {
        sum(&self.salaries)
    }

    /// `(band start, mean salary)` for every band `[k * width, (k + 1) * width)` that holds
    /// someone, ascending; each mean a pairwise sum in table order over the count.
    pub fn mean_salary_by_age_band(&self, width: i64) -> CoreResult<Vec<(i64, f64)>> {
        if width < 1 {
            return Err(CoreError::InvalidValue(format!(
                "width must be >= 1, not {width}"
            )));
        }
        let mut bands: std::collections::BTreeMap<i64, Vec<f64>> = Default::default();
        for (&age, &salary) in self.ages.iter().zip(&self.salaries) {
            bands.entry(age / width * width).or_default().push(salary);
        }
        Ok(bands
            .into_iter()
            .map(|(start, salaries)| (start, sum(&salaries) / salaries.len() as f64))
            .collect())
    }

    /// Multiplies the salary of everyone aged `min_age` or more by `1 + percent / 100` and
    /// returns how many; nothing changes if a salary would overflow.
    pub fn give_raise(&mut self, percent: f64, min_age: i64) -> CoreResult<usize> {
        if !(percent.is_finite() && percent >= -100.0) {
            return Err(CoreError::InvalidValue(format!(
                "percent must be finite and >= -100, not {percent:?}"
            )));
        }
        let factor = 1.0 + percent / 100.0;
        let chosen = || {
            self.ages
                .iter()
                .zip(&self.salaries)
                .filter(move |&(&age, _)| age >= min_age)
        };
        if chosen().any(|(_, &salary)| !(salary * factor).is_finite()) {
            return Err(CoreError::InvalidValue(
                "give_raise: a salary would overflow; nothing was changed".into(),
            ));
        }
        let mut raised = 0;
        for (&age, salary) in self.ages.iter().zip(self.salaries.iter_mut()) {
            if age >= min_age {
                *salary *= factor;
                raised += 1;
            }
        }
        Ok(raised)
    }

    /// Copies of the `k` best-paid persons, best first; ties keep table order.
    ///
    /// A selection, then a sort of the `k` chosen: O(n + k log k), not a sort of everyone. The
    /// order (salary descending, then index) is total, so the result is the spec's stable sort.
    pub fn top_earners(&self, k: usize) -> Vec<Person> {
        // partial_cmp (salaries are never NaN) ties 0.0 with -0.0, as Python's comparison does.
        let better = |a: &usize, b: &usize| {
            let (left, right) = (self.salaries[*b], self.salaries[*a]);
            left.partial_cmp(&right)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(b))
        };
        let mut order: Vec<usize> = (0..self.len()).collect();
        let k = k.min(order.len());
        if k == 0 {
            return Vec::new();
        }
        if k < order.len() {
            order.select_nth_unstable_by(k - 1, better);
            order.truncate(k);
        }
        order.sort_unstable_by(better);
        order
            .into_iter()
            .filter_map(|index| self.get(index))
            .collect()
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
