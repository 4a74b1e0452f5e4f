//! TEMPORARY: compare hash variants on the corpus.
use std::collections::BTreeMap;
use image::{DynamicImage, imageops};
use photosync::photo::{self, DecodeLimits};
use super::corpus::{people, portrait};
use super::fixtures::{jpeg, png, with_exif_orientation};

const W: u32 = 480;
const H: u32 = 600;

fn chans(bytes: &[u8], side: u32) -> [Vec<f32>;3] {
    let d = photo::decode(bytes, &DecodeLimits::default()).unwrap();
    let small = photo::resize_square(&d.square, side).unwrap();
    let px: Vec<[f32;3]> = small.as_raw().chunks_exact(3).map(|p| [p[0] as f32,p[1] as f32,p[2] as f32]).collect();
    [px.iter().map(|p| 0.299*p[0]+0.587*p[1]+0.114*p[2]).collect(),
     px.iter().map(|p| -0.1687*p[0]-0.3313*p[1]+0.5*p[2]).collect(),
     px.iter().map(|p| 0.5*p[0]-0.4187*p[1]-0.0813*p[2]).collect()]
}

fn dct(l: &[f32], n: usize, k: usize) -> Vec<Vec<f32>> {
    let b: Vec<Vec<f32>> = (0..k).map(|u| (0..n).map(|i| (std::f32::consts::PI*(2.0*i as f32+1.0)*u as f32/(2.0*n as f32)).cos()).collect()).collect();
    let mut out = vec![vec![0f32;k];k];
    for u in 0..k { for v in 0..k { let mut s=0.0; for y in 0..n { for x in 0..n { s+= b[u][y]*b[v][x]*l[y*n+x]; } } out[u][v]=s; } }
    out
}

fn variants(bytes: &[u8]) -> Vec<u64> {
    let [l, cb, cr] = chans(bytes, 32);
    let c = dct(&l, 32, 12);
    let cbd = dct(&cb, 32, 4);
    let crd = dct(&cr, 32, 4);
    let mut pairs: Vec<(usize,usize)> = (0..12).flat_map(|u| (0..12).map(move |v| (u,v))).filter(|&(u,v)| u+v>0).collect();
    pairs.sort_by_key(|&(u,v)| (u+v,u));
    let median_hash = |coef: &[f32]| { let mut s=coef.to_vec(); s.sort_by(f32::total_cmp); let m=(s[s.len()/2-1]+s[s.len()/2])/2.0; coef.iter().fold(0u64,|h,&x| (h<<1)|(x>m) as u64) };
    let zz64: Vec<f32> = pairs[..64].iter().map(|&(u,v)| c[u][v]).collect();
    let a = median_hash(&zz64);
    // classic phash 8x8 without row/col 0
    let classic: Vec<f32> = (1..9).flat_map(|u| (1..9).map(move |v| (u,v))).map(|(u,v)| c[u][v]).collect();
    let b = median_hash(&classic);
    // ternary on 32 lowest, band |c| < t*max
    let tern = |n: usize, frac: f32| { let cs: Vec<f32> = pairs[..n].iter().map(|&(u,v)| c[u][v]).collect(); let mut mags: Vec<f32>=cs.iter().map(|x| x.abs()).collect(); mags.sort_by(f32::total_cmp); let t = mags[mags.len()/2]*frac; cs.iter().fold(0u64,|h,&x| { let code = if x < -t {0b00} else if x > t {0b11} else {0b01}; (h<<2)|code }) };
    let t1 = tern(32, 0.5);
    let t2 = tern(32, 1.0);
    let t3 = tern(32, 0.25);
    // dHash 9x8 from 16x16? use 9x8 of a lanczos-resized small
    let code = |x: f32, t: f32| if x < -t {0b00u64} else if x > t {0b11} else {0b01};
    let norm = 2.0/1024.0;
    let chroma = |d: &Vec<Vec<f32>>, t: f32| { let mut h=0u64; for &(u,v) in &[(0usize,0usize),(0,1),(1,0),(1,1),(0,2)] { h=(h<<2)|code(d[u][v]*norm, t); } h };
    let lumat = |n: usize, frac: f32| { let cs: Vec<f32> = pairs[..n].iter().map(|&(u,v)| c[u][v]).collect(); let mut mags: Vec<f32>=cs.iter().map(|x| x.abs()).collect(); mags.sort_by(f32::total_cmp); let t = mags[mags.len()/2]*frac; cs.iter().fold(0u64,|h,&x| (h<<2)|code(x,t)) };
    let v2 = (lumat(22,0.5) << 20) | (chroma(&cbd, 4.0) << 10) | chroma(&crd, 4.0);
    let v3 = (lumat(22,0.5) << 20) | (chroma(&cbd, 8.0) << 10) | chroma(&crd, 8.0);
    let labs = { let cs: Vec<f32> = pairs[..32].iter().map(|&(u,v)| c[u][v]*norm).collect(); cs.iter().fold(0u64,|h,&x| (h<<2)|code(x,3.0)) };
    let therm = |v: f32, cuts: &[f32]| cuts.iter().fold(0u64, |h, &c| (h<<1) | (v > c) as u64);
    let quad = |ch: &Vec<f32>, cuts: &[f32]| { let mut h=0u64; for (qy,qx) in [(0,0),(0,1),(1,0),(1,1)] { let mut sum=0.0; for y in 0..16 { for x in 0..16 { sum+=ch[(qy*16+y)*32+qx*16+x]; } } h=(h<<cuts.len())|therm(sum/256.0,cuts); } h };
    let va = (lumat(20,0.5) << 24) | (quad(&l,&[96.0,160.0]) << 16) | (quad(&cb,&[-16.0,16.0]) << 8) | quad(&cr,&[-16.0,16.0]);
    let chroma4 = |d: &Vec<Vec<f32>>, t: f32| { let mut h=0u64; for &(u,v) in &[(0usize,0usize),(0,1),(1,0),(1,1)] { h=(h<<2)|code(d[u][v]*norm, t); } h };
    let vb = (lumat(24,0.5) << 16) | (chroma4(&cbd, 8.0) << 8) | chroma4(&crd, 8.0);
    let vc = lumat(32, 0.75);
    let vd = (lumat(20,0.5) << 24) | (quad(&l,&[64.0,128.0,192.0]) << 12) | (quad(&cb,&[0.0]) << 8) | (quad(&cr,&[-20.0,0.0,20.0]) );
    vec![a,b,t1,t2,t3,v2,v3,labs,va,vb,vc,vd]
}

#[test]
fn experiment() {
    let corpus = people(6, 4);
    let names = ["zz64-median","classic8x8","tern32-0.5med","tern32-1.0med","tern32-0.25med","luma22+chroma t4","luma22+chroma t8","luma32 abs3","A luma20+quadYCbCr","B luma24+chroma4 t8","C tern32 0.75","D luma20+quad therm"];
    let mut classes: BTreeMap<String, Vec<Vec<u32>>> = BTreeMap::new();
    let mut refs = Vec::new();
    for (p, bg) in &corpus {
        let orig = portrait(p, bg, W, H);
        let r = variants(&png(&orig));
        refs.push(r.clone());
        let mut rec = |class: &str, bytes: Vec<u8>| { let v = variants(&bytes); let e = classes.entry(class.to_string()).or_default(); for (i,(x,y)) in r.iter().zip(v).enumerate() { if e.len()<=i { e.push(vec![]); } e[i].push((x^y).count_ones()); } };
        for q in [30,50,70,85,95] { rec(&format!("same reenc"), jpeg(&orig,q)); }
        for w in [48,96,200,648] { let h=w*H/W; rec(&format!("same resize{w}"), jpeg(&imageops::resize(&orig,w,h,imageops::Triangle),85)); }
        let d = DynamicImage::ImageRgb8(orig.clone());
        for (o,s) in [(3,d.rotate180()),(6,d.rotate270()),(8,d.rotate90())] { rec("same exif", with_exif_orientation(&jpeg(&s.to_rgb8(),90),o)); }
        for pc in [2,4] { let (dx,dy)=(W*pc/100,H*pc/100); rec(&format!("same crop{pc}"), jpeg(&imageops::crop_imm(&orig,dx,dy,W-2*dx,H-2*dy).to_image(),90)); }
        let top = H*3/100; rec("same croptop3", jpeg(&imageops::crop_imm(&orig,0,top,W,H-top).to_image(),90));
    }
    for i in 0..refs.len() { for j in i+1..refs.len() { let class = if i/4==j/4 {"diff samebg"} else {"diff otherbg"}; let e = classes.entry(class.to_string()).or_default(); for k in 0..names.len() { if e.len()<=k { e.push(vec![]); } e[k].push((refs[i][k]^refs[j][k]).count_ones()); } } }
    for i in 0..refs.len() { for j in i+1..refs.len() { let d=(refs[i][5]^refs[j][5]).count_ones(); let d0=(refs[i][2]^refs[j][2]).count_ones(); if (refs[i][11]^refs[j][11]).count_ones() <= 4 || (refs[i][10]^refs[j][10]).count_ones() <= 6 { eprintln!("close pair {i} {j}: chroma {d} tern {d0}"); } } }
    for (i,(p,bg)) in corpus.iter().enumerate() { portrait(p,bg,W,H).save(format!("/tmp/photo-corpus-{i}.png")).unwrap(); }
    for (k,n) in names.iter().enumerate() {
        eprintln!("== {n}");
        for (c, v) in &classes { let d=&v[k]; eprintln!("  {c:14} min {:2} max {:2} mean {:.1}", d.iter().min().unwrap(), d.iter().max().unwrap(), d.iter().sum::<u32>() as f32/d.len() as f32); }
    }
}
