//! Scenario 2, `person`, through the C ABI: a `#[repr(C)]` person and an opaque payroll.
//!
//! `ffibench_person` is a plain struct the caller owns and reads directly (that is the point:
//! a field read is a memory read, no call). Its name is an `ffibench_string` owned by the
//! library: `ffibench_person_new` and the setters allocate it, `ffibench_person_free` frees it
//! once and leaves the struct empty, so a second free does nothing. Writes go through
//! `ffibench_person_set_*`, which check the value and leave the person unchanged on failure.
//!
//! `ffibench_payroll` is an opaque handle (`_new`/`_generate` and `_free`), regex-capi style.
//! `ffibench_payroll_ages` and `_salaries` lend a pointer to the library's own column: it stays
//! valid until the payroll grows (`_append`) or is freed. `_give_raise` writes in place and
//! moves nothing.

use std::ffi::c_char;
use std::ptr;

use ffibench_core::CoreError;
use ffibench_core::person::{self as core, Payroll, Person};

use crate::error::Failure;
use crate::{FfiString, Status, ffibench_string_free, guard, store, text};

/// The oldest age (`age` of an `ffibench_person` is `0..=FFIBENCH_PERSON_AGE_MAX`).
// Literals, not the core's constants, so cbindgen writes them into the header; a test below
// ties them to the core.
pub const FFIBENCH_PERSON_AGE_MAX: i64 = 150;
/// The most characters of a name.
pub const FFIBENCH_PERSON_NAME_MAX_CHARS: usize = 256;
/// The most bands `ffibench_payroll_mean_salary_by_age_band` can return: one per age.
pub const FFIBENCH_PAYROLL_BANDS_MAX: usize = 151;

/// A person: read the fields directly; write them with `ffibench_person_set_*`.
///
/// The name is UTF-8 owned by the library; free the person once with `ffibench_person_free`.
#[repr(C)]
#[derive(Debug)]
pub struct FfiPerson {
    /// 1 to 256 characters of UTF-8, owned by the library.
    pub name: FfiString,
    /// 0 to `FFIBENCH_PERSON_AGE_MAX`.
    pub age: i64,
    /// Finite and >= 0.
    pub salary: f64,
}

impl From<Person> for FfiPerson {
    fn from(person: Person) -> Self {
        Self {
            age: person.age(),
            salary: person.salary(),
            name: FfiString::from(person.name().to_owned()),
        }
    }
}

/// A table of persons, opaque to the caller: make one with `ffibench_payroll_new` or
/// `ffibench_payroll_generate`, free it once with `ffibench_payroll_free`.
#[derive(Debug)]
pub struct FfiPayroll(Payroll);

/// Borrows the person at `person` for writing.
///
/// # Safety
///
/// `person` must be NULL or point to a valid, writable `ffibench_person`.
unsafe fn person_mut<'a>(person: *mut FfiPerson) -> Result<&'a mut FfiPerson, Failure> {
    // SAFETY: NULL or valid and writable, by the caller's contract.
    unsafe { person.as_mut() }.ok_or(Failure::NullPointer("person"))
}

/// Borrows the payroll behind a handle.
///
/// # Safety
///
/// `payroll` must be NULL or a live handle from this library.
unsafe fn payroll_ref<'a>(payroll: *const FfiPayroll) -> Result<&'a Payroll, Failure> {
    // SAFETY: NULL or a live handle, by the caller's contract.
    let payroll = unsafe { payroll.as_ref() }.ok_or(Failure::NullPointer("payroll"))?;
    Ok(&payroll.0)
}

/// Borrows the payroll behind a handle for writing.
///
/// # Safety
///
/// `payroll` must be NULL or a live handle from this library, not in use elsewhere.
unsafe fn payroll_mut<'a>(payroll: *mut FfiPayroll) -> Result<&'a mut Payroll, Failure> {
    // SAFETY: NULL or a live handle used by nobody else meanwhile, by the caller's contract.
    let payroll = unsafe { payroll.as_mut() }.ok_or(Failure::NullPointer("payroll"))?;
    Ok(&mut payroll.0)
}

/// Checks a person and writes it, with a name the library allocated, to `out`.
///
/// # Safety
///
/// `name` must point to `name_len` readable bytes (or be NULL with `name_len == 0`); `out` must
/// be NULL or point to writable memory for an `ffibench_person` (its old contents are not
/// freed: it should not hold a person).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_person_new(
    name: *const c_char,
    name_len: usize,
    age: i64,
    salary: f64,
    out: *mut FfiPerson,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out")); // before allocating a name to lose
        }
        // SAFETY: forwarded from this function's contract.
        let name = unsafe { text(name, name_len) }?;
        store(out, FfiPerson::from(Person::new(name, age, salary)?))
    })
}

/// Frees the name of `person` and leaves it empty (NULL name, age 0, salary 0.0): a second
/// free does nothing. NULL is ignored.
///
/// # Safety
///
/// `person` must be NULL or point to a person made by this library (or emptied by this
/// function), not copied: two copies of one person share a name and must be freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_person_free(person: *mut FfiPerson) {
    // SAFETY: NULL or a valid person, by this function's contract.
    let Some(person) = (unsafe { person.as_mut() }) else {
        return;
    };
    let name = std::mem::replace(
        &mut person.name,
        FfiString {
            ptr: ptr::null_mut(),
            len: 0,
        },
    );
    person.age = 0;
    person.salary = 0.0;
    // SAFETY: the name was made by this library and, swapped out above, is freed only here.
    unsafe { ffibench_string_free(name) };
}

/// Sets the name (1 to 256 characters); the person is unchanged on failure.
///
/// # Safety
///
/// `person` must point to a person made by this library; `name` as in [`ffibench_person_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_person_set_name(
    person: *mut FfiPerson,
    name: *const c_char,
    name_len: usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (person, name) = unsafe { (person_mut(person)?, text(name, name_len)?) };
        core::check_name(name)?;
        let old = std::mem::replace(&mut person.name, FfiString::from(name.to_owned()));
        // SAFETY: the old name was the library's and is no longer reachable from the person.
        unsafe { ffibench_string_free(old) };
        Ok(())
    })
}

/// Sets the age (0 to `FFIBENCH_PERSON_AGE_MAX`); the person is unchanged on failure.
///
/// # Safety
///
/// `person` must point to a valid, writable `ffibench_person`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_person_set_age(person: *mut FfiPerson, age: i64) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let person = unsafe { person_mut(person) }?;
        person.age = core::check_age(age)?.into();
        Ok(())
    })
}

/// Sets the salary (finite and >= 0); the person is unchanged on failure.
///
/// # Safety
///
/// `person` must point to a valid, writable `ffibench_person`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_person_set_salary(person: *mut FfiPerson, salary: f64) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let person = unsafe { person_mut(person) }?;
        person.salary = core::check_salary(salary)?;
        Ok(())
    })
}

/// Writes a handle to a new, empty payroll to `out`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `ffibench_payroll *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_new(out: *mut *mut FfiPayroll) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out")); // before allocating a payroll to lose
        }
        store(out, Box::into_raw(Box::new(FfiPayroll(Payroll::new()))))
    })
}

/// Writes a handle to a payroll of `n` generated persons (the same for the same `seed` in
/// every backend) to `out`; `OUT_OF_MEMORY` if they do not fit.
///
/// # Safety
///
/// As [`ffibench_payroll_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_generate(
    n: usize,
    seed: u64,
    out: *mut *mut FfiPayroll,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        let payroll = Payroll::generate(n, seed)?;
        store(out, Box::into_raw(Box::new(FfiPayroll(payroll))))
    })
}

/// Frees a payroll and every column pointer it lent. NULL is ignored.
///
/// # Safety
///
/// `payroll` must be NULL or a live handle from this library, freed only here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_free(payroll: *mut FfiPayroll) {
    if !payroll.is_null() {
        // SAFETY: a handle made by `Box::into_raw` in this module and freed once, as the
        // contract says.
        drop(unsafe { Box::from_raw(payroll) });
    }
}

/// Writes the number of persons to `out`.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_len(
    payroll: *const FfiPayroll,
    out: *mut usize,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { payroll_ref(payroll) }?.len()))
}

/// Writes a copy of the person at `index` to `out`, which the caller then owns (free it with
/// `ffibench_person_free`); `INVALID_VALUE` when `index >= len`.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` as in [`ffibench_person_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_get(
    payroll: *const FfiPayroll,
    index: usize,
    out: *mut FfiPerson,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out")); // before copying a name to lose
        }
        // SAFETY: forwarded from this function's contract.
        let payroll = unsafe { payroll_ref(payroll) }?;
        let person = payroll.get(index).ok_or_else(|| {
            CoreError::InvalidValue(format!(
                "payroll index {index} out of range for {} persons",
                payroll.len()
            ))
        })?;
        store(out, FfiPerson::from(person))
    })
}

/// Appends a copy of `person`, checked again (its fields are the caller's memory); the caller
/// keeps `person`. Column pointers lent before are invalid afterwards.
///
/// # Safety
///
/// `payroll` must be a live handle; `person` must point to a valid `ffibench_person`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_append(
    payroll: *mut FfiPayroll,
    person: *const FfiPerson,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let payroll = unsafe { payroll_mut(payroll) }?;
        // SAFETY: NULL or valid, by this function's contract.
        let person = unsafe { person.as_ref() }.ok_or(Failure::NullPointer("person"))?;
        // SAFETY: the name of a valid person is `len` readable bytes at `ptr`.
        let name = unsafe { text(person.name.ptr, person.name.len) }?;
        payroll.push(Person::new(name, person.age, person.salary)?);
        Ok(())
    })
}

/// Writes the pairwise sum of every salary (0.0 when empty) to `out`.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_total_salary(
    payroll: *const FfiPayroll,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { payroll_ref(payroll) }?.total_salary()))
}

/// Writes the bands `[k * width, (k + 1) * width)` that hold someone, ascending, as their
/// start in `starts[i]` and their mean salary in `means[i]`, and their number to `out_len`.
/// `capacity` is the length of both arrays; `FFIBENCH_PAYROLL_BANDS_MAX` is always enough.
/// `INVALID_VALUE` for `width < 1` or too small a `capacity`.
///
/// # Safety
///
/// `payroll` must be a live handle; `starts` and `means` must point to `capacity` writable
/// values each; `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_mean_salary_by_age_band(
    payroll: *const FfiPayroll,
    width: i64,
    starts: *mut i64,
    means: *mut f64,
    capacity: usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let bands = unsafe { payroll_ref(payroll) }?.mean_salary_by_age_band(width)?;
        if bands.len() > capacity {
            return Err(CoreError::InvalidValue(format!(
                "{} bands do not fit a capacity of {capacity}",
                bands.len()
            ))
            .into());
        }
        if !bands.is_empty() && (starts.is_null() || means.is_null()) {
            return Err(Failure::NullPointer("starts or means"));
        }
        for (index, (start, mean)) in bands.iter().enumerate() {
            // SAFETY: `index < bands.len() <= capacity`, and both arrays hold `capacity`
            // writable values by the contract.
            unsafe {
                starts.add(index).write(*start);
                means.add(index).write(*mean);
            }
        }
        store(out_len, bands.len())
    })
}

/// Multiplies the salary of everyone aged `min_age` or more by `1 + percent / 100` and writes
/// how many to `out`; `INVALID_VALUE` (and no change) for a bad `percent` or an overflow.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_give_raise(
    payroll: *mut FfiPayroll,
    percent: f64,
    min_age: i64,
    out: *mut usize,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: forwarded from this function's contract.
        let raised = unsafe { payroll_mut(payroll) }?.give_raise(percent, min_age)?;
        store(out, raised)
    })
}

/// Writes copies of the `k` best-paid persons, best first (ties in table order), to
/// `out[0..]` and how many (`min(k, len)`) to `out_len`. The caller owns each person written
/// and frees it with `ffibench_person_free`.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` must point to `k` writable `ffibench_person` (or be
/// NULL with `k == 0`); `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_top_earners(
    payroll: *const FfiPayroll,
    k: usize,
    out: *mut FfiPerson,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        if out_len.is_null() {
            return Err(Failure::NullPointer("out_len"));
        }
        // SAFETY: forwarded from this function's contract.
        let best = unsafe { payroll_ref(payroll) }?.top_earners(k);
        if !best.is_empty() && out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        let count = best.len();
        for (index, person) in best.into_iter().enumerate() {
            // SAFETY: `index < min(k, len)`, and `out` holds `k` writable persons.
            unsafe { out.add(index).write(FfiPerson::from(person)) };
        }
        store(out_len, count)
    })
}

/// Lends the library's own column: writes its first element to `out` and its length to
/// `out_len`. Valid until the payroll grows or is freed.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` and `out_len` NULL or writable.
unsafe fn lend<T>(
    payroll: *const FfiPayroll,
    column: impl FnOnce(&Payroll) -> &[T],
    out: *mut *const T,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        if out.is_null() || out_len.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: forwarded from the caller's contract.
        let values = column(unsafe { payroll_ref(payroll) }?);
        store(out, values.as_ptr())?;
        store(out_len, values.len())
    })
}

/// Lends the age column (`int64_t`, table order): see [`lend`] for how long it stays valid.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_ages(
    payroll: *const FfiPayroll,
    out: *mut *const i64,
    out_len: *mut usize,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { lend(payroll, Payroll::ages, out, out_len) }
}

/// Lends the salary column (`double`, table order), valid until the payroll grows or is freed.
///
/// # Safety
///
/// `payroll` must be a live handle; `out` and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_payroll_salaries(
    payroll: *const FfiPayroll,
    out: *mut *const f64,
    out_len: *mut usize,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { lend(payroll, Payroll::salaries, out, out_len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(person: &FfiPerson) -> &str {
        // SAFETY: a person made by the library has `len` bytes of UTF-8 at `ptr`.
        unsafe {
            std::str::from_utf8(std::slice::from_raw_parts(
                person.name.ptr.cast::<u8>(),
                person.name.len,
            ))
            .unwrap()
        }
    }

    #[test]
    fn constants_are_the_cores() {
        assert_eq!(FFIBENCH_PERSON_AGE_MAX, core::AGE_MAX);
        assert_eq!(FFIBENCH_PERSON_NAME_MAX_CHARS, core::NAME_MAX_CHARS);
        assert_eq!(FFIBENCH_PAYROLL_BANDS_MAX as i64, core::AGE_MAX + 1);
    }

    #[test]
    fn persons_are_checked_owned_and_freed_once() {
        let mut person = std::mem::MaybeUninit::<FfiPerson>::uninit();
        let name = "Ada";
        // SAFETY: valid name bytes and a writable out-parameter.
        let status = unsafe {
            ffibench_person_new(name.as_ptr().cast(), 3, 36, 5200.0, person.as_mut_ptr())
        };
        assert_eq!(status, Status::Ok);
        // SAFETY: initialised by the successful call above.
        let mut person = unsafe { person.assume_init() };
        assert_eq!(
            (name_of(&person), person.age, person.salary),
            ("Ada", 36, 5200.0)
        );
        // SAFETY: `person` is a library person; each call gets valid arguments.
        unsafe {
            assert_eq!(
                ffibench_person_set_age(&mut person, 151),
                Status::InvalidValue
            );
            assert_eq!(
                ffibench_person_set_salary(&mut person, f64::NAN),
                Status::InvalidValue
            );
            assert_eq!(
                ffibench_person_set_name(&mut person, ptr::null(), 0),
                Status::InvalidValue
            );
            assert_eq!((name_of(&person), person.age), ("Ada", 36));
            assert_eq!(
                ffibench_person_set_name(&mut person, "Zoë".as_ptr().cast(), 4),
                Status::Ok
            );
            assert_eq!(name_of(&person), "Zoë");
            ffibench_person_free(&mut person);
            assert!(person.name.ptr.is_null());
            ffibench_person_free(&mut person);
            ffibench_person_free(ptr::null_mut());
        }
    }

    #[test]
    fn payroll_handles_lend_columns_and_return_owned_persons() {
        let mut handle = ptr::null_mut();
        // SAFETY: every pointer below is either a live handle or valid out-parameter memory.
        unsafe {
            assert_eq!(ffibench_payroll_generate(4, 42, &mut handle), Status::Ok);
            let mut total = 0.0;
            assert_eq!(
                ffibench_payroll_total_salary(handle, &mut total),
                Status::Ok
            );
            assert_eq!(total, 25_703.95);
            let (mut ages, mut len) = (ptr::null(), 0);
            assert_eq!(
                ffibench_payroll_ages(handle, &mut ages, &mut len),
                Status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(ages, len), [59, 18, 26, 25]);
            let mut best: [std::mem::MaybeUninit<FfiPerson>; 2] = [
                std::mem::MaybeUninit::uninit(),
                std::mem::MaybeUninit::uninit(),
            ];
            let mut count = 0;
            let status =
                ffibench_payroll_top_earners(handle, 2, best.as_mut_ptr().cast(), &mut count);
            assert_eq!((status, count), (Status::Ok, 2));
            let mut first = best[0].assume_init_read();
            let mut second = best[1].assume_init_read();
            assert_eq!((name_of(&first), name_of(&second)), ("Mateo", "José"));
            assert_eq!(ffibench_payroll_append(handle, &first), Status::Ok);
            first.age = 999; // written by a careless caller: refused on the way in
            assert_eq!(
                ffibench_payroll_append(handle, &first),
                Status::InvalidValue
            );
            first.age = 26;
            ffibench_person_free(&mut first);
            ffibench_person_free(&mut second);
            let mut starts = [0_i64; FFIBENCH_PAYROLL_BANDS_MAX];
            let mut means = [0.0; FFIBENCH_PAYROLL_BANDS_MAX];
            let status = ffibench_payroll_mean_salary_by_age_band(
                handle,
                10,
                starts.as_mut_ptr(),
                means.as_mut_ptr(),
                1,
                &mut count,
            );
            assert_eq!(status, Status::InvalidValue);
            let mut length = 0;
            assert_eq!(ffibench_payroll_len(handle, &mut length), Status::Ok);
            assert_eq!(length, 5);
            assert_eq!(
                ffibench_payroll_get(handle, 5, ptr::null_mut()),
                Status::NullPointer
            );
            let mut copy = std::mem::MaybeUninit::<FfiPerson>::uninit();
            assert_eq!(
                ffibench_payroll_get(handle, 5, copy.as_mut_ptr()),
                Status::InvalidValue
            );
            assert_eq!(ffibench_payroll_new(ptr::null_mut()), Status::NullPointer);
            ffibench_payroll_free(handle);
            ffibench_payroll_free(ptr::null_mut());
        }
    }
}
