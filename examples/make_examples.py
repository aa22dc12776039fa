"""Write the SYNTHETIC example cohort in examples/ (not real patients).

14 adults shaped like the Zhengzhou 2023 rituximab FSGS cohort: rituximab
375 mg/m2 on day 0 (a second dose on day 14 for some), labs at 0, 3 and 6
months and beyond, with earlier labs for some. Each patient's course is
written out by hand below; nothing is random. Run: python3 make_examples.py
"""
import csv

# patient: (sex, age, weight kg, height cm,
#           [(day, uPCR g/g, albumin g/L, scr umol/L), ...],
#           second rituximab dose?, prednisone courses [(start, end, mg/d)])
PATIENTS = {
    # complete remissions, early to late
    "P01": ("F", 34, 58, 162, [(-3, 4.8, 22, 80), (15, 0.25, 36, 82), (91, 0.12, 41, 79), (182, 0.10, 43, 81)], True, []),
    "P02": ("M", 45, 76, 175, [(0, 6.2, 19, 102), (20, 0.28, 37, 99), (91, 0.20, 39, 104), (182, 0.15, 42, 100)], True, []),
    "P03": ("M", 29, 81, 180, [(-10, 3.9, 24, 95), (16, 0.29, 36, 97), (91, 0.18, 40, 93), (182, 0.20, 41, 96), (365, 0.15, 43, 95)], False, []),
    "P04": ("F", 51, 63, 158, [(0, 5.1, 21, 70), (30, 1.2, 30, 72), (91, 0.22, 38, 75), (182, 0.18, 40, 71)], True, []),
    "P05": ("M", 38, 90, 178, [(0, 7.4, 18, 110), (21, 0.27, 36, 108), (91, 0.20, 40, 112), (182, 0.18, 41, 109), (270, 4.2, 27, 118), (300, 0.9, 33, 115)], True, [(270, 298, 60), (299, 330, 40), (331, 360, 20)]),
    "P06": ("F", 26, 55, 165, [(0, 3.6, 25, 66), (14, 0.26, 36, 68), (91, 0.15, 40, 65), (182, 0.11, 42, 67)], False, []),
    "P07": ("M", 62, 72, 170, [(0, 8.9, 17, 120), (30, 3.1, 25, 125), (91, 1.8, 29, 122), (150, 0.29, 36, 128), (182, 0.21, 38, 124)], True, []),
    "P08": ("F", 41, 66, 168, [(-5, 4.4, 23, 77), (18, 0.24, 37, 79), (91, 0.19, 39, 80), (182, 0.14, 41, 76)], True, []),
    "P09": ("M", 55, 84, 182, [(0, 5.7, 20, 99), (25, 0.30, 35, 101), (60, 0.22, 37, 98), (91, 0.20, 39, 100), (182, 0.17, 40, 97)], False, []),
    # partial remissions
    "P10": ("F", 47, 61, 160, [(0, 6.8, 19, 85), (30, 4.0, 24, 88), (91, 2.9, 27, 90), (182, 2.1, 29, 92)], True, []),
    "P11": ("M", 33, 79, 176, [(0, 9.5, 16, 105), (30, 6.0, 20, 110), (91, 4.1, 24, 118), (182, 3.2, 26, 121)], True, []),
    "P12": ("F", 58, 70, 163, [(0, 4.6, 22, 92), (91, 1.9, 28, 95), (182, 1.4, 31, 99)], False, []),
    "P13": ("M", 44, 88, 185, [(0, 7.9, 18, 130), (30, 5.2, 21, 133), (91, 3.3, 25, 140), (182, 2.6, 27, 145)], True, []),
    # no response
    "P14": ("F", 39, 67, 170, [(0, 6.1, 20, 90), (91, 5.8, 19, 118), (182, 6.4, 18, 125)], True, [(-60, -1, 40)]),
}

with open("observations.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["patient", "day", "measure", "value", "unit"])
    for pid, (_, _, _, _, labs, _, _) in PATIENTS.items():
        for day, upcr, alb, scr in labs:
            w.writerow([pid, day, "upcr", upcr, "g/g"])
            w.writerow([pid, day, "albumin", alb, "g/L"])
            w.writerow([pid, day, "scr", scr, "umol/L"])

with open("treatments.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["patient", "drug", "start", "end", "dose", "unit"])
    for pid, (_, _, _, _, _, second, courses) in PATIENTS.items():
        w.writerow([pid, "rituximab", 0, 0, 375, "mg/m2"])
        if second:
            w.writerow([pid, "rituximab", 14, 14, 375, "mg/m2"])
        for start, end, dose in courses:
            w.writerow([pid, "prednisone", start, end, dose, "mg/d"])

with open("patients.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["patient", "sex", "age", "weight_kg", "height_cm"])
    for pid, (sex, age, weight, height, _, _, _) in PATIENTS.items():
        w.writerow([pid, sex, age, weight, height])
