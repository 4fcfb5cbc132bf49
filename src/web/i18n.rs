//! Every text the respondent pages show, in Indonesian and English.

use actix_web::{web, HttpRequest};
use serde::Deserialize;

use crate::template::Lang;

/// The query parameters respondent pages read.
#[derive(Deserialize)]
pub struct PageQuery {
    pub lang: Option<String>,
    pub saved: Option<String>,
}

/// ?lang= wins, then the language of the form or the invitation, then Indonesian.
pub fn request_lang(req: &HttpRequest, fallback: Option<Lang>) -> Lang {
    let query = web::Query::<PageQuery>::from_query(req.query_string()).ok();
    query
        .and_then(|q| q.lang.as_deref().and_then(Lang::parse))
        .or(fallback)
        .unwrap_or_default()
}

pub struct Texts {
    pub language: Lang,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub unit: &'static str,
    pub survey_intro: &'static str,
    pub anonymity: &'static str,
    pub checklist_intro: &'static str,
    pub not_answered: &'static str,
    pub evidence: &'static str,
    pub comment: &'static str,
    pub save: &'static str,
    pub submit: &'static str,
    pub saved: &'static str,
    pub optional: &'static str,
    pub problems_heading: &'static str,
    pub please_answer: &'static str,
    pub choose_an_option: &'static str,
    pub comment_too_long: &'static str,
    pub nothing_to_score: &'static str,
    pub thanks_heading: &'static str,
    pub thanks_text: &'static str,
    pub already_heading: &'static str,
    pub already_text: &'static str,
    pub unknown_heading: &'static str,
    pub unknown_text: &'static str,
    pub closed_heading: &'static str,
    pub closed_text: &'static str,
    pub not_open_heading: &'static str,
    pub not_open_text: &'static str,
    pub too_large_heading: &'static str,
    pub too_large_text: &'static str,
    pub too_many_heading: &'static str,
    pub too_many_text: &'static str,
    pub slow_heading: &'static str,
    pub slow_text: &'static str,
    pub cross_site_heading: &'static str,
    pub cross_site_text: &'static str,
    pub error_heading: &'static str,
    pub error_text: &'static str,
    /// Before the closing day: "Terbuka sampai 31 Desember 2026".
    pub open_until: &'static str,
    /// The language switch saves what was chosen so far; its hint says so.
    pub switch_keeps: &'static str,
    pub contact_lead: &'static str,
    pub close_page: &'static str,
}

const ID: Texts = Texts {
    language: Lang::Id,
    lang: "id",
    other_lang: "en",
    other_lang_name: "English",
    unit: "Unit",
    survey_intro: "Pilih seberapa setuju Anda dengan setiap pernyataan.",
    anonymity: "Jawaban Anda anonim: jawaban disimpan tanpa nama, alamat email, atau tautan ini, dan hasil unit hanya ditampilkan bila cukup banyak pegawai menjawab.",
    checklist_intro: "Pilih kondisi yang sesuai untuk setiap butir, setelah memeriksa bukti yang diminta.",
    not_answered: "Tidak menjawab",
    evidence: "Bukti",
    comment: "Catatan (opsional)",
    save: "Simpan dan lanjutkan nanti",
    submit: "Kirim jawaban",
    saved: "Jawaban Anda tersimpan. Buka tautan yang sama untuk melanjutkan.",
    optional: "opsional",
    problems_heading: "Beberapa jawaban perlu diperbaiki; semua jawaban Anda tetap tersimpan di formulir ini.",
    please_answer: "Mohon jawab pertanyaan ini.",
    choose_an_option: "Pilih salah satu pilihan yang tersedia.",
    comment_too_long: "Catatan terlalu panjang (paling banyak 2000 karakter).",
    nothing_to_score: "Jawab setidaknya satu pertanyaan sebelum mengirim.",
    thanks_heading: "Terima kasih",
    thanks_text: "Jawaban Anda telah diterima. Anda dapat menutup halaman ini.",
    already_heading: "Jawaban sudah dikirim",
    already_text: "Tautan ini sudah digunakan untuk mengirim jawaban. Setiap tautan hanya dapat dipakai satu kali.",
    unknown_heading: "Tautan tidak dikenal",
    unknown_text: "Tautan ini tidak dikenal atau sudah dicabut. Periksa kembali tautan pada email undangan Anda.",
    closed_heading: "Survei sudah ditutup",
    closed_text: "Periode pengisian telah berakhir; jawaban tidak dapat dikirim lagi.",
    not_open_heading: "Survei belum dibuka",
    not_open_text: "Periode pengisian belum dimulai. Silakan buka tautan ini lagi nanti.",
    too_large_heading: "Isian terlalu besar",
    too_large_text: "Data yang dikirim melebihi batas. Persingkat catatan Anda lalu kirim lagi.",
    too_many_heading: "Terlalu banyak permintaan",
    too_many_text: "Terlalu banyak permintaan dari alamat jaringan Anda. Tunggu beberapa menit lalu coba lagi.",
    slow_heading: "Pengiriman terlalu lama",
    slow_text: "Data yang dikirim tidak sampai tepat waktu dan belum tersimpan. Periksa koneksi Anda lalu kirim lagi.",
    cross_site_heading: "Permintaan ditolak",
    cross_site_text: "Formulir ini dikirim dari situs lain. Buka tautan Anda langsung lalu kirim dari sana.",
    error_heading: "Terjadi gangguan",
    error_text: "Jawaban Anda belum tersimpan. Kembali ke halaman sebelumnya lalu coba kirim lagi.",
    open_until: "Terbuka sampai",
    switch_keeps: "Jawaban yang sudah dipilih tetap tersimpan.",
    contact_lead: "Ada pertanyaan? Tulis kepada penyelenggara:",
    close_page: "Anda dapat menutup halaman ini.",
};

const EN: Texts = Texts {
    language: Lang::En,
    lang: "en",
    other_lang: "id",
    other_lang_name: "Bahasa Indonesia",
    unit: "Unit",
    survey_intro: "Choose how far you agree with each statement.",
    anonymity: "Your answers are anonymous: they are stored without your name, email address or this link, and a unit's results are shown only when enough staff have answered.",
    checklist_intro: "For each item, choose what applies after checking the evidence asked for.",
    not_answered: "No answer",
    evidence: "Evidence",
    comment: "Note (optional)",
    save: "Save and continue later",
    submit: "Submit answers",
    saved: "Your answers are saved. Open the same link to continue.",
    optional: "optional",
    problems_heading: "Some answers need your attention; everything you entered is still in the form.",
    please_answer: "Please answer this question.",
    choose_an_option: "Choose one of the options offered.",
    comment_too_long: "The note is too long (at most 2000 characters).",
    nothing_to_score: "Answer at least one question before submitting.",
    thanks_heading: "Thank you",
    thanks_text: "Your answers have been received. You may close this page.",
    already_heading: "Already submitted",
    already_text: "This link has already been used to submit answers. Each link works once.",
    unknown_heading: "Unknown link",
    unknown_text: "This link is unknown or has been revoked. Check the link in your invitation email.",
    closed_heading: "The survey is closed",
    closed_text: "The answering period has ended; answers can no longer be submitted.",
    not_open_heading: "The survey is not open yet",
    not_open_text: "The answering period has not started. Please open this link again later.",
    too_large_heading: "Too much data",
    too_large_text: "What was sent is larger than allowed. Shorten your notes and submit again.",
    too_many_heading: "Too many requests",
    too_many_text: "Too many requests came from your network address. Wait a few minutes and try again.",
    slow_heading: "Sending took too long",
    slow_text: "What was sent did not arrive in time and is not saved. Check your connection and submit again.",
    cross_site_heading: "Request refused",
    cross_site_text: "This form was sent from another site. Open your link directly and submit from there.",
    error_heading: "Something went wrong",
    error_text: "Your answers were not stored yet. Go back to the previous page and submit again.",
    open_until: "Open until",
    switch_keeps: "The answers chosen so far are kept.",
    contact_lead: "Questions? Write to the organizer:",
    close_page: "You may close this page.",
};

/// The sentences with a number or a name in them.
impl Texts {
    /// A section's heading: "Bagian 2 dari 5 · Kepemimpinan".
    pub fn part(&self, n: usize, of: usize, title: &str) -> String {
        match self.language {
            Lang::Id => format!("Bagian {n} dari {of} · {title}"),
            Lang::En => format!("Part {n} of {of} · {title}"),
        }
    }

    /// After the count of answered questions, which CSS writes: "dari 25 pertanyaan dijawab".
    pub fn answered_of(&self, of: usize) -> String {
        match (self.language, of) {
            (Lang::Id, n) => format!("dari {n} pertanyaan dijawab"),
            (Lang::En, 1) => "of 1 question answered".to_owned(),
            (Lang::En, n) => format!("of {n} questions answered"),
        }
    }

    /// The count of problems of a form sent back: "Ada 3 masalah", "3 problems".
    pub fn problems(&self, n: usize) -> String {
        match (self.language, n) {
            (Lang::Id, n) => format!("Ada {n} masalah"),
            (Lang::En, 1) => "1 problem".to_owned(),
            (Lang::En, n) => format!("{n} problems"),
        }
    }

    /// The closing day as the form states it: "Terbuka sampai 31 Desember 2026".
    pub fn open_until_day(&self, day: chrono::NaiveDate) -> String {
        format!("{} {}", self.open_until, self.language.long_date(day))
    }

    /// The notice after "save and continue later", with the day the link stops working.
    pub fn saved_until(&self, day: Option<chrono::NaiveDate>) -> String {
        let Some(day) = day else {
            return self.saved.to_owned();
        };
        let day = self.language.long_date(day);
        match self.language {
            Lang::Id => format!(
                "Jawaban Anda tersimpan. Buka tautan yang sama untuk melanjutkan, paling lambat {day}."
            ),
            Lang::En => format!(
                "Your answers are saved. Open the same link to continue, by {day} at the latest."
            ),
        }
    }

    /// The thank-you page's first sentence, naming the survey.
    pub fn received(&self, title: &str) -> String {
        match self.language {
            Lang::Id => format!("Jawaban Anda untuk “{title}” telah diterima."),
            Lang::En => format!("Your answers to “{title}” have been received."),
        }
    }

    /// What happens next to a survey's answers: figures only from `k` answers up, the final
    /// ones after the campaign closes (on `closes`, when set; `closed` once it has).
    pub fn next_for_survey(
        &self,
        k: i32,
        closes: Option<chrono::NaiveDate>,
        closed: bool,
    ) -> String {
        let k = k.max(1);
        let shown = match (self.language, k) {
            (Lang::Id, k) => format!(
                "Hasil unit Anda hanya ditampilkan bila sedikitnya {k} pegawai unit menjawab, dan tidak pernah jawaban perorangan."
            ),
            (Lang::En, 1) => "Your unit's results are shown only as figures of the unit, never as one person's answers.".to_owned(),
            (Lang::En, k) => format!(
                "Your unit's results are shown only once at least {k} colleagues have answered, and never as one person's answers."
            ),
        };
        format!("{shown} {}", self.final_results(closes, closed))
    }

    /// What happens next to a review: it counts for the unit, the totals come at the close.
    pub fn next_for_review(&self, closes: Option<chrono::NaiveDate>, closed: bool) -> String {
        let counts = match self.language {
            Lang::Id => "Reviu Anda masuk ke nilai unit ini.",
            Lang::En => "Your review counts toward this unit's score.",
        };
        format!("{counts} {}", self.final_results(closes, closed))
    }

    fn final_results(&self, closes: Option<chrono::NaiveDate>, closed: bool) -> String {
        match (self.language, closed, closes) {
            (Lang::Id, true, _) => {
                "Periode pengisian sudah berakhir; penyelenggara menyusun hasil akhirnya."
                    .to_owned()
            }
            (Lang::En, true, _) => {
                "The answering period is over; the organizer prepares the final results.".to_owned()
            }
            (Lang::Id, false, Some(day)) => format!(
                "Hasil akhir tersedia setelah periode pengisian ditutup pada {}.",
                self.language.long_date(day)
            ),
            (Lang::En, false, Some(day)) => format!(
                "The final results come after the answering period closes on {}.",
                self.language.long_date(day)
            ),
            (Lang::Id, false, None) => {
                "Hasil akhir tersedia setelah periode pengisian ditutup.".to_owned()
            }
            (Lang::En, false, None) => {
                "The final results come after the answering period closes.".to_owned()
            }
        }
    }
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

/// The texts of the page behind an organizer's one-time password link.
pub struct PasswordTexts {
    pub heading: &'static str,
    pub intro: &'static str,
    pub new_password: &'static str,
    pub repeat: &'static str,
    pub submit: &'static str,
    pub too_short: &'static str,
    pub differ: &'static str,
    pub unknown_heading: &'static str,
    pub unknown_text: &'static str,
}

const PASSWORD_ID: PasswordTexts = PasswordTexts {
    heading: "Buat kata sandi",
    intro: "Buat kata sandi untuk akun pengelola Kinerja Anda. Tautan ini hanya dapat dipakai sekali.",
    new_password: "Kata sandi baru (paling sedikit 10 karakter)",
    repeat: "Ulangi kata sandi",
    submit: "Simpan kata sandi",
    too_short: "Kata sandi paling sedikit 10 karakter.",
    differ: "Kedua kata sandi tidak sama.",
    unknown_heading: "Tautan tidak berlaku",
    unknown_text: "Tautan ini tidak dikenal, sudah dipakai, atau sudah kedaluwarsa (tautan berlaku 24 jam). Mintalah tautan baru kepada admin Kinerja.",
};

const PASSWORD_EN: PasswordTexts = PasswordTexts {
    heading: "Set your password",
    intro: "Set the password of your Kinerja organizer account. This link works once.",
    new_password: "New password (at least 10 characters)",
    repeat: "Repeat the password",
    submit: "Save the password",
    too_short: "The password must be at least 10 characters.",
    differ: "The two passwords differ.",
    unknown_heading: "This link does not work",
    unknown_text: "This link is unknown, already used or expired (links work for 24 hours). Ask a Kinerja administrator for a new one.",
};

pub fn password_texts(lang: Lang) -> &'static PasswordTexts {
    match lang {
        Lang::Id => &PASSWORD_ID,
        Lang::En => &PASSWORD_EN,
    }
}
