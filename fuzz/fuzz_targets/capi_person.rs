//! The person scenario through the C ABI, as a fuzzed sequence of calls: `ffibench_person_new`
//! and `_set_name` with fuzzed bytes (valid UTF-8 or not, NULL with a length), `_set_age`,
//! `_set_salary`, `_free` (twice), and a payroll's `_append` (of a library-made person or of
//! one a caller wrote by hand, whose name bytes the library must check), `_get`,
//! `_top_earners`, `_total_salary`. A core `Person` and `Payroll` are the model: every status
//! is theirs (NULL text, invalid UTF-8, then the core's refusal), a refused call changes
//! nothing, fields read back as the model's; every name and handle is freed (LeakSanitizer).
#![no_main]

use std::ffi::c_char;

use arbitrary::Arbitrary;
use ffibench_capi::{self as capi, FfiPayroll, FfiPerson, FfiString, Status};
use ffibench_core::CoreError;
use ffibench_core::person::{Payroll, Person};
use ffibench_fuzz::capi::{expect, pointer, text_status};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    New {
        name: Vec<u8>,
        null: bool,
        age: i64,
        salary: f64,
    },
    SetName {
        person: u8,
        name: Vec<u8>,
        null: bool,
    },
    SetAge {
        person: u8,
        age: i64,
    },
    SetSalary {
        person: u8,
        salary: f64,
    },
    Free {
        person: u8,
    },
    Append {
        person: u8,
    },
    AppendRaw {
        name: Vec<u8>,
        age: i64,
        salary: f64,
    },
    Get {
        index: u8,
    },
    TopEarners {
        k: u8,
    },
    Total,
}

fn status_of(error: &CoreError) -> Status {
    match error {
        CoreError::Overflow(_) => Status::Overflow,
        _ => Status::InvalidValue,
    }
}

fn name_of(person: &FfiPerson) -> &[u8] {
    // SAFETY: a person the library made holds `len` bytes of name at `ptr`.
    unsafe { std::slice::from_raw_parts(person.name.ptr.cast::<u8>(), person.name.len) }
}

fn same(person: &FfiPerson, model: &Person) -> bool {
    name_of(person) == model.name().as_bytes()
        && person.age == model.age()
        && person.salary.to_bits() == model.salary().to_bits()
}

/// The person `index` picks among `len`.
fn pick(index: u8, len: usize) -> usize {
    usize::from(index) % len.max(1)
}

fn empty() -> FfiPerson {
    FfiPerson {
        name: FfiString {
            ptr: std::ptr::null_mut(),
            len: 0,
        },
        age: -1,
        salary: -1.0,
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut people: Vec<(Box<FfiPerson>, Person)> = Vec::new();
    let mut payroll: *mut FfiPayroll = std::ptr::null_mut();
    // SAFETY: a writable out-parameter.
    expect(
        unsafe { capi::ffibench_payroll_new(&raw mut payroll) },
        Status::Ok,
        "payroll_new",
    );
    let mut model = Payroll::new();
    for op in ops.iter().take(64) {
        match op {
            Op::New {
                name,
                null,
                age,
                salary,
            } => {
                let mut person = Box::new(empty());
                // SAFETY: `len` readable bytes (or NULL); a writable person.
                let status = unsafe {
                    capi::ffibench_person_new(
                        pointer(name, *null),
                        name.len(),
                        *age,
                        *salary,
                        &raw mut *person,
                    )
                };
                let text = std::str::from_utf8(name).unwrap_or("");
                match text_status(name, *null)
                    .map(Err)
                    .unwrap_or_else(|| Person::new(text, *age, *salary).map_err(|e| status_of(&e)))
                {
                    Err(refusal) => {
                        expect(status, refusal, "person_new");
                        assert!(
                            person.name.ptr.is_null() && person.age == -1,
                            "a refused person was written"
                        );
                    }
                    Ok(made) => {
                        expect(status, Status::Ok, "person_new");
                        assert!(same(&person, &made));
                        people.push((person, made));
                    }
                }
                // A NULL out-parameter: refused before a name is allocated.
                // SAFETY: as above, with a NULL out.
                let status = unsafe {
                    capi::ffibench_person_new(
                        pointer(name, *null),
                        name.len(),
                        *age,
                        *salary,
                        std::ptr::null_mut(),
                    )
                };
                expect(status, Status::NullPointer, "person_new(NULL)");
            }
            Op::SetName { person, name, null } => {
                let at = pick(*person, people.len());
                let Some((ffi, made)) = people.get_mut(at) else {
                    continue;
                };
                // SAFETY: a valid person; `len` readable bytes (or NULL).
                let status = unsafe {
                    capi::ffibench_person_set_name(&raw mut **ffi, pointer(name, *null), name.len())
                };
                let text = std::str::from_utf8(name).unwrap_or("");
                let expected = text_status(name, *null)
                    .map(Err)
                    .unwrap_or_else(|| made.set_name(text).map_err(|e| status_of(&e)));
                expect(status, expected.err().unwrap_or(Status::Ok), "set_name");
                assert!(same(ffi, made));
            }
            Op::SetAge { person, age } => {
                let at = pick(*person, people.len());
                let Some((ffi, made)) = people.get_mut(at) else {
                    continue;
                };
                // SAFETY: a valid person.
                let status = unsafe { capi::ffibench_person_set_age(&raw mut **ffi, *age) };
                expect(
                    status,
                    made.set_age(*age)
                        .map_err(|e| status_of(&e))
                        .err()
                        .unwrap_or(Status::Ok),
                    "set_age",
                );
                assert!(same(ffi, made));
            }
            Op::SetSalary { person, salary } => {
                let at = pick(*person, people.len());
                let Some((ffi, made)) = people.get_mut(at) else {
                    continue;
                };
                // SAFETY: a valid person.
                let status = unsafe { capi::ffibench_person_set_salary(&raw mut **ffi, *salary) };
                expect(
                    status,
                    made.set_salary(*salary)
                        .map_err(|e| status_of(&e))
                        .err()
                        .unwrap_or(Status::Ok),
                    "set_salary",
                );
                assert!(same(ffi, made));
            }
            Op::Free { person } => {
                if people.is_empty() {
                    continue;
                }
                let (mut ffi, _) = people.swap_remove(usize::from(*person) % people.len());
                // SAFETY: a valid person, freed twice: the second does nothing.
                unsafe {
                    capi::ffibench_person_free(&raw mut *ffi);
                    capi::ffibench_person_free(&raw mut *ffi);
                }
                assert!(ffi.name.ptr.is_null());
            }
            Op::Append { person } => {
                let Some((ffi, made)) = people.get(pick(*person, people.len())) else {
                    continue;
                };
                // SAFETY: a live payroll and a valid person.
                expect(
                    unsafe { capi::ffibench_payroll_append(payroll, &raw const **ffi) },
                    Status::Ok,
                    "append",
                );
                model.push(made.clone());
            }
            Op::AppendRaw { name, age, salary } => {
                // A person written by the caller: the library checks every field, the name's
                // bytes included, as it would a new one.
                let raw = FfiPerson {
                    name: FfiString {
                        ptr: name.as_ptr().cast::<c_char>().cast_mut(),
                        len: name.len(),
                    },
                    age: *age,
                    salary: *salary,
                };
                // SAFETY: a live payroll; the name's `len` bytes are readable.
                let status = unsafe { capi::ffibench_payroll_append(payroll, &raw const raw) };
                let text = std::str::from_utf8(name).unwrap_or("");
                match text_status(name, false)
                    .map(Err)
                    .unwrap_or_else(|| Person::new(text, *age, *salary).map_err(|e| status_of(&e)))
                {
                    Err(refusal) => expect(status, refusal, "append(raw)"),
                    Ok(made) => {
                        expect(status, Status::Ok, "append(raw)");
                        model.push(made);
                    }
                }
            }
            Op::Get { index } => {
                let index = usize::from(*index);
                let mut out = empty();
                // SAFETY: a live payroll, a writable person.
                let status = unsafe { capi::ffibench_payroll_get(payroll, index, &raw mut out) };
                match model.get(index) {
                    None => {
                        expect(status, Status::InvalidValue, "get");
                        assert!(out.name.ptr.is_null());
                    }
                    Some(made) => {
                        expect(status, Status::Ok, "get");
                        assert!(same(&out, &made));
                        // SAFETY: made by the library, freed once.
                        unsafe { capi::ffibench_person_free(&raw mut out) };
                    }
                }
            }
            Op::TopEarners { k } => {
                let k = usize::from(*k % 16);
                let mut out: Vec<FfiPerson> = (0..k).map(|_| empty()).collect();
                let mut len = usize::MAX;
                // SAFETY: `k` writable persons; a writable length.
                let status = unsafe {
                    capi::ffibench_payroll_top_earners(payroll, k, out.as_mut_ptr(), &raw mut len)
                };
                expect(status, Status::Ok, "top_earners");
                let best = model.top_earners(k);
                assert_eq!(len, best.len());
                for (ffi, made) in out.iter_mut().zip(&best) {
                    assert!(same(ffi, made));
                    // SAFETY: made by the library, freed once.
                    unsafe { capi::ffibench_person_free(ffi) };
                }
            }
            Op::Total => {
                let mut total = f64::NAN;
                // SAFETY: a live payroll, a writable double.
                expect(
                    unsafe { capi::ffibench_payroll_total_salary(payroll, &raw mut total) },
                    Status::Ok,
                    "total",
                );
                assert_eq!(total.to_bits(), model.total_salary().to_bits());
                let mut len = 0;
                // SAFETY: as above.
                expect(
                    unsafe { capi::ffibench_payroll_len(payroll, &raw mut len) },
                    Status::Ok,
                    "len",
                );
                assert_eq!(len, model.len());
            }
        }
    }
    for (mut ffi, _) in people {
        // SAFETY: made by the library, freed once.
        unsafe { capi::ffibench_person_free(&raw mut *ffi) };
    }
    // SAFETY: made above, freed once.
    unsafe { capi::ffibench_payroll_free(payroll) };
});
